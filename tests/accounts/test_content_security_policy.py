"""The Content-Security-Policy: scripts, styles and images from this site only, and nothing
inline. The crawl reads every page a demo manager and admin can reach by following links
and checks that none carries an inline script, an inline style, a style attribute or an
event-handler attribute, so a page added tomorrow with one fails here; the browser test
checks that the pages still look and behave right under the policy."""

import re
from collections import Counter, deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from customers.models import Customer
from demo.seeding import demo_password
from reports.base import chart_stylesheet, chart_svg

User = get_user_model()

# The one style attribute left, in django-simple-history's admin history list (a template
# with no block to override it by): the policy ignores it, so that page's paginator shows
# the top border it meant to hide. Nothing else is lost.
TOLERATED = {'<p style="border-top: 0">'}

# The crawl follows links from these pages; exports, downloads and the API are not HTML.
STARTS = ["/", "/reports/", "/admin/", "/api/docs/"]
NOT_HTML = re.compile(r"(/export/|format=(csv|xlsx)|/report/$|/api/v1/|/api/schema/|\.(csv|xlsx)$)")
# Pages of one shape (the same path but for the numbers in it, the same query keys) are read
# twice at most: the crawl reads every kind of page, not every card.
PER_SHAPE = 2
PAGES = 600


class InlineFinder(HTMLParser):
    """Collects what a strict policy would block: inline scripts (a data block such as
    `json_script`'s is not a script), style elements, style and on* attributes; and the
    page's links."""

    def __init__(self):
        super().__init__()
        self.blocked: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        script = attributes.get("type", "text/javascript") in ("text/javascript", "module")
        if tag == "script" and script and not attributes.get("src"):
            self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f'<{tag} {name}="{value}">')
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(key for key, _, _ in (pair.partition("=") for pair in parts.query.split("&")))
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client) -> dict[str, list[str]]:
    """The same-site pages reachable from STARTS: {url: what it has inline}."""
    seen, queue, found = set(STARTS), deque(STARTS), {}
    shapes = Counter()
    while queue and len(found) < PAGES:
        url = queue.popleft()
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        finder = InlineFinder()
        finder.feed(response.content.decode())
        found[url] = finder.blocked
        for href in finder.links:
            link = urldefrag(urljoin(url, href)).url
            parts = urlsplit(link)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            # Lists paged or sorted a hundred ways are one kind of page each.
            if re.search(r"[?&](page|o|sort)=", link) or NOT_HTML.search(link):
                continue
            if link in seen or "/logout" in link or "/delete" in link:
                continue
            seen.add(link)
            shapes[shape(link)] += 1
            if shapes[shape(link)] <= PER_SHAPE:
                queue.append(link)
    return found


@pytest.fixture
def demo(db):
    call_command("seed_demo", customers=40, sales=400, stdout=StringIO())


def test_every_response_carries_a_policy_without_inline_allowances(client, demo):
    for url in ("/accounts/login/", "/customers/", "/api/v1/customers/", "/no-such-page/"):
        if url != "/accounts/login/":
            client.force_login(User.objects.get(username="manager"))
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("username", ["manager", "admin", "sales1"])
def test_no_page_has_inline_script_or_style(client, demo, username):
    client.force_login(User.objects.get(username=username))
    found = crawl(client)
    offending = {
        url: sorted(set(blocked) - TOLERATED)
        for url, blocked in found.items()
        if set(blocked) - TOLERATED
    }
    print(f"\nCSP crawl as {username}: {len(found)} pages read")
    # The crawl reached the kinds of page that draw data as lengths, colours and charts.
    assert any(re.fullmatch(r"/customers/\d+/", url) for url in found)
    if username == "admin":
        assert any(url.startswith("/admin/customers/customer/") for url in found)
    if username == "manager":
        assert {"/reports/sales-composition/", "/classification/regions/"} <= set(found)
    assert offending == {}


def test_charts_take_their_style_from_the_static_stylesheet(settings):
    svg = chart_svg([("A", 3.0), ("B", 1.0)], kind="pie")
    assert "<style" not in svg and "<script" not in svg and " style=" not in svg
    assert 'class="pygal-chart"' in svg or "pygal-chart" in svg
    written = (settings.BASE_DIR / "static" / "css" / "charts.css").read_text()
    assert written == chart_stylesheet(), (
        "static/css/charts.css is out of date: write reports.base.chart_stylesheet() to it"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_keep_their_look_and_behaviour_under_the_policy(page, live_server):
    call_command("seed_demo", customers=40, sales=400, stdout=StringIO())
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", demo_password())
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    # A card: its grade badge in the grade's colour, its completeness meters as long as
    # the share they show.
    customer = Customer.objects.filter(grade__isnull=False).select_related("grade").first()
    page.goto(f"/customers/{customer.pk}/")
    badge = page.locator(".badge.grade").first
    fill = badge.locator("rect").get_attribute("fill")
    assert fill.lower() == customer.grade.color.lower()
    assert badge.bounding_box()["width"] > 0
    meter = page.locator(".meter").first
    share = int(meter.get_attribute("aria-valuenow"))
    drawn = meter.locator("span").bounding_box()
    full = meter.bounding_box()
    if drawn is None:
        assert share == 0
    else:
        assert drawn["width"] == pytest.approx(full["width"] * share / 100, abs=2)

    # A report's chart is coloured by its stylesheet, not drawn black.
    page.goto("/reports/sales-composition/?period=this_year")
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('.pygal-chart .color-0') || document.body).fill"
    )
    assert colour == "rgb(31, 111, 235)"
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.pygal-chart .background')).fill"
    )
    assert background in ("transparent", "rgba(0, 0, 0, 0)")

    # The region tree is indented by depth.
    page.goto("/classification/regions/")
    indents = page.locator(".tree-indent").evaluate_all(
        "nodes => nodes.map(node => parseFloat(getComputedStyle(node).paddingLeft))"
    )
    assert indents[0] == 0 and max(indents) > 0

    # The language switcher still sends itself from a static script.
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # The API's documentation page draws from its own script file.
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)

    assert violations == []
