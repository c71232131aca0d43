"""Many clients on the write paths at once, each on its own database connection and all
released together by a barrier (PostgreSQL: SQLite serialises every write, so none of these
races can happen there). One write wins where one may; the others are told, with the
conflict answer of their door, never a 500 or a database error; nothing is written twice
and nothing written is lost. Each test with a crowd prints its figure: clients, successes,
conflicts and the time from the release of the barrier until the last client was answered.
Two tests hold the first of two writers at a set point instead (`race`), for the one
interleaving a crowd only sometimes produces."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classification.services.grading import (
    regrade_apply,
    regrade_apply_if_unchanged,
    regrade_preview,
)
from customers import services as customer_services
from customers.models import Channel, Contact, Customer, FieldProvenance, GradeHistory
from customers.resources import CustomerResource
from customers.services import CardConflict, card_update, customer_create
from dataexchange.services import import_file
from review.models import Proposal
from review.services import ProposalDecided, proposal_accept
from sales.models import SalesRecord
from sales.resources import SalesRecordResource
from tests.accounts.factories import UserFactory
from tests.concurrency import race, together
from tests.customers.factories import CustomerFactory, RegionFactory
from tests.html_forms import form_as_rendered
from tests.review.test_concurrency import proposed
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="parallel writers on row locks: PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLIENTS = 20
CUSTOMERS_API = "/api/v1/customers/"
SAVED_FIRST = "Someone else saved this card first"


def api_client(user) -> APIClient:
    """A client with the user's API token that answers a server error with its 500 response.
    The test client's own capture of a view's exception listens to a signal every thread
    sends, so with clients in parallel threads one would raise another's exception."""
    client = APIClient(raise_request_exception=False)
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _history_ids(customer: Customer) -> set[int]:
    return set(customer.history.values_list("history_id", flat=True))


# 1. One card, twenty editors, one version ------------------------------------------------


def test_twenty_service_edits_from_one_version_keep_one_and_refuse_nineteen(manager):
    customer = CustomerFactory(phone="020-0")
    history_before = _history_ids(customer)

    def edit(n: int):
        return lambda: card_update(
            customer=customer,
            changes={"phone": f"020-{n + 1}"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        )

    crowd = together(edit(n) for n in range(CLIENTS))
    crowd.figure("card_update", successes=len(crowd.results), conflicts=len(crowd.errors))

    [saved] = crowd.results
    assert len(crowd.errors) == CLIENTS - 1
    assert all(isinstance(error, CardConflict) for error in crowd.errors), crowd.errors
    assert {(error.expected_version, error.customer.version) for error in crowd.errors} == {(1, 2)}
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == (saved.phone, 2)
    [new] = customer.history.exclude(history_id__in=history_before)
    assert (new.phone, new.version, new.history_user, new.history_channel) == (
        saved.phone,
        2,
        manager,
        Channel.MANUAL,
    )
    provenance = FieldProvenance.objects.get(customer=customer, field_name="phone")
    assert (provenance.recorded_by, provenance.channel) == (manager, Channel.MANUAL)


def test_twenty_browsers_posting_the_edit_form_get_one_save_and_nineteen_conflict_pages(
    manager,
):
    customer = CustomerFactory(phone="020-0", address="旧地址")
    history_before = _history_ids(customer)
    url = reverse("customers:edit", args=[customer.pk])
    posts = []
    for n in range(CLIENTS):
        # A server error comes back as its 500 response (see `api_client`).
        browser = Client(raise_request_exception=False, headers={"accept-language": "en"})
        browser.force_login(manager)
        page = browser.get(url)
        assert page.status_code == 200
        data, _names = form_as_rendered(page.content.decode())
        assert data["version"] == "1"  # the form carries the version the page showed
        data["phone"] = f"020-{n + 1}"
        posts.append((browser, data))

    crowd = together(
        lambda browser=browser, data=data: browser.post(url, data) for browser, data in posts
    )

    assert crowd.errors == []
    statuses = [response.status_code for response in crowd.results]
    crowd.figure("edit form", successes=statuses.count(302), conflicts=statuses.count(200))
    assert sorted(statuses) == [200] * (CLIENTS - 1) + [302]
    winner = statuses.index(302)
    assert crowd.results[winner]["Location"] == customer.get_absolute_url()
    for n, response in enumerate(crowd.results):
        if n == winner:
            continue
        html = response.content.decode()
        assert SAVED_FIRST in html
        assert 'data-testid="saved-value-phone"' in html  # the saved value beside theirs
        assert f'value="020-{n + 1}"' in html  # their input is kept
    customer.refresh_from_db()
    assert (customer.phone, customer.address, customer.version) == (
        f"020-{winner + 1}",
        "旧地址",
        2,
    )
    [new] = customer.history.exclude(history_id__in=history_before)
    assert (new.phone, new.history_user) == (f"020-{winner + 1}", manager)


def test_twenty_api_patches_with_one_version_get_one_200_and_nineteen_409(manager):
    customer = CustomerFactory(phone="020-0")
    history_before = _history_ids(customer)
    clients = [api_client(manager) for _n in range(CLIENTS)]
    url = f"{CUSTOMERS_API}{customer.pk}/"

    crowd = together(
        lambda client=client, n=n: client.patch(
            url, {"phone": f"020-{n + 1}", "version": 1}, format="json"
        )
        for n, client in enumerate(clients)
    )

    assert crowd.errors == []
    statuses = [response.status_code for response in crowd.results]
    crowd.figure("API PATCH", successes=statuses.count(200), conflicts=statuses.count(409))
    assert sorted(statuses) == [200] + [409] * (CLIENTS - 1)
    winner = statuses.index(200)
    assert crowd.results[winner].json()["version"] == 2
    for n, response in enumerate(crowd.results):
        if n != winner:
            body = response.json()
            assert (body["code"], body["current_version"], body["sent_version"]) == (
                "stale_version",
                2,
                1,
            )
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == (f"020-{winner + 1}", 2)
    assert customer.history.exclude(history_id__in=history_before).count() == 1


def test_twenty_api_creations_of_one_code_make_one_card_and_refuse_the_rest(manager):
    clients = [api_client(manager) for _n in range(CLIENTS)]

    crowd = together(
        lambda client=client, n=n: client.post(
            CUSTOMERS_API, {"code": "N1", "name": f"新公司{n}"}, format="json"
        )
        for n, client in enumerate(clients)
    )

    assert crowd.errors == []
    statuses = [response.status_code for response in crowd.results]
    crowd.figure("API create", successes=statuses.count(201), conflicts=statuses.count(400))
    assert sorted(statuses) == [201] + [400] * (CLIENTS - 1)
    for response in crowd.results:
        if response.status_code == 400:
            assert list(response.json()) == ["code"]
    [card] = Customer.objects.filter(code="N1")
    assert card.name == crowd.results[statuses.index(201)].json()["name"]
    assert card.history.count() == 1


# 2. Overlapping imports at once ------------------------------------------------------------

HEADER = "code,name,phone,address,region,customer_type,salesperson"


def _customers_file(codes, *, phone: str, region: str = "GZ") -> bytes:
    rows = [f"{code},{code}贸易公司,{phone}-{code},,{region},ordinary,sales1" for code in codes]
    return "\n".join([HEADER, *rows]).encode()


def _codes(first: int, last: int) -> list[str]:
    return [f"N{n:03d}" for n in range(first, last + 1)]


def test_overlapping_imports_at_once_create_each_customer_once(salesperson):
    RegionFactory(code="GZ")
    CustomerFactory(code="N000", name="N000旧名", phone="0", salesperson=salesperson)
    files = {
        "first": _customers_file(_codes(0, 59), phone="A"),
        "overlapping": _customers_file(_codes(30, 89), phone="B"),
        "the first again": _customers_file(_codes(0, 59), phone="A"),
        "reversed": _customers_file(reversed(_codes(0, 89)), phone="C"),
    }

    crowd = together(
        lambda data=data: import_file(
            resource=CustomerResource, path_or_bytes=data, file_format="csv"
        )
        for data in files.values()
    )

    assert crowd.errors == []  # no IntegrityError (nor any other) reaches the caller
    reports = dict(zip(files, crowd.results, strict=True))
    written = [name for name, report in reports.items() if report.written]
    crowd.figure("import", successes=len(written), conflicts=len(files) - len(written))
    for name, report in reports.items():
        assert report.errors == [], (name, report.errors)
    # Each file ran as if alone, one after the other: every code once, created once.
    assert sum(report.new for report in reports.values()) == 89
    codes = list(Customer.objects.order_by("code").values_list("code", flat=True))
    assert codes == _codes(0, 89)
    created = Customer.history.filter(history_type="+").values_list("code", flat=True)
    assert sorted(created) == _codes(0, 89)
    for customer in Customer.objects.all():
        # The card holds what the last file to write it said, and its history agrees.
        latest = customer.history.order_by("-history_id").first()
        assert (latest.phone, latest.version) == (customer.phone, customer.version)
        assert customer.phone.endswith(f"-{customer.code}")


def _import_and_edit_race(monkeypatch, manager, pause):
    """An import changing ten cards, and a person editing one of them from version 1, the
    import held at `pause` (a function of customers.services) while the edit runs."""
    RegionFactory(code="GZ")
    for code in _codes(0, 9):
        CustomerFactory(code=code, name=f"{code}旧名", phone="0")
    edited = Customer.objects.get(code="N005")
    data = _customers_file(_codes(0, 9), phone="A")
    return race(
        monkeypatch,
        first=lambda: import_file(resource=CustomerResource, path_or_bytes=data, file_format="csv"),
        second=lambda: card_update(
            customer=edited,
            changes={"name": "手工改名"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        ),
        pause=(customer_services, pause),
    )


def test_a_card_edited_after_an_import_read_it_fails_the_import_and_keeps_the_edit(
    monkeypatch, manager, salesperson
):
    # Held after reading the cards' versions, before locking them for the write.
    report, saved = _import_and_edit_race(monkeypatch, manager, "_chunks")

    assert saved.version == 2
    assert not report.written
    [error] = report.errors
    assert (error.row, error.column) == (7, "")  # N005, the file's sixth data row
    assert "changed by someone else" in error.message
    assert Customer.objects.get(code="N005").name == "手工改名"
    assert not Customer.objects.filter(phone__startswith="A-").exists()


def test_an_edit_while_an_import_holds_the_cards_waits_and_is_told_of_the_change(
    monkeypatch, manager, salesperson
):
    # Held with the cards locked: the edit waits for the import to commit, then finds a
    # newer version than the one it was made from.
    with pytest.raises(CardConflict):
        _import_and_edit_race(monkeypatch, manager, "_card_changes_checked")

    card = Customer.objects.get(code="N005")
    assert (card.name, card.phone, card.version) == ("N005贸易公司", "A-N005", 2)
    assert Customer.objects.filter(phone__startswith="A-").count() == 10


def test_overlapping_sales_loads_at_once_add_each_line_once():
    customers = [CustomerFactory(code=f"S{n}") for n in range(3)]
    products = [ProductFactory(code=f"P{n}") for n in range(2)]
    lines = [
        f"2026-0{month}-1{day},{customer.code},{product.code},1,10.00,"
        for month in range(1, 4)
        for day in range(3)
        for customer in customers
        for product in products
    ]
    header = "date,customer,product,quantity,amount,document_no"
    files = [
        "\n".join([header, *lines]).encode(),
        "\n".join([header, *lines[9:]]).encode(),
        "\n".join([header, *reversed(lines)]).encode(),
    ]

    crowd = together(
        lambda data=data: import_file(
            resource=SalesRecordResource, path_or_bytes=data, file_format="csv"
        )
        for data in files
    )

    assert crowd.errors == []
    reports = crowd.results
    crowd.figure("sales load", successes=sum(r.written for r in reports), conflicts=0)
    assert [report.errors for report in reports] == [[], [], []]
    # One after the other: the first to run adds every line it has, the others the rest.
    assert sum(report.new for report in reports) == len(lines) == SalesRecord.objects.count()


def test_a_bad_import_at_the_same_time_as_a_good_one_stores_nothing(salesperson):
    RegionFactory(code="GZ")
    good = _customers_file(_codes(0, 39), phone="A")
    # Its rows 2 to 21 repeat codes of the good file; row 42 names a region that is none.
    bad = _customers_file(_codes(20, 59), phone="B") + "\nN999,坏行,1,,XX,ordinary,sales1".encode()

    crowd = together(
        lambda data=data: import_file(
            resource=CustomerResource, path_or_bytes=data, file_format="csv"
        )
        for data in (good, bad)
    )

    assert crowd.errors == []
    good_report, bad_report = crowd.results
    crowd.figure(
        "import, one bad file",
        successes=int(good_report.written),
        conflicts=int(not bad_report.written),
    )
    assert good_report.written and good_report.new == 40
    assert not bad_report.written
    assert [(error.row, error.column) for error in bad_report.errors] == [(42, "region")]
    assert list(Customer.objects.order_by("code").values_list("code", flat=True)) == _codes(0, 39)
    assert not Customer.objects.filter(phone__startswith="B-").exists()


def test_an_import_and_api_creations_of_the_same_code_at_once_keep_one_card(manager, salesperson):
    RegionFactory(code="GZ")
    data = _customers_file(_codes(0, 29), phone="A")
    clients = [api_client(manager) for _n in range(CLIENTS - 1)]

    def importing():
        return import_file(resource=CustomerResource, path_or_bytes=data, file_format="csv")

    crowd = together(
        [
            importing,
            *(
                lambda client=client: client.post(
                    CUSTOMERS_API, {"code": "N015", "name": "手工客户"}, format="json"
                )
                for client in clients
            ),
        ]
    )

    assert crowd.errors == []
    report, *responses = crowd.results
    statuses = [response.status_code for response in responses]
    created = statuses.count(201)
    crowd.figure(
        "import and API create",
        successes=created + int(report.written),
        conflicts=statuses.count(400) + int(not report.written),
    )
    assert sorted(statuses) == [201] * created + [400] * (len(statuses) - created)
    assert created <= 1
    for response in responses:
        if response.status_code == 400:
            assert list(response.json()) == ["code"]
    [card] = Customer.objects.filter(code="N015")
    assert card.history.filter(history_type="+").count() == 1  # created once
    if not report.written:
        # A card made by hand took the code while the file was read: the import names the
        # row and stores nothing.
        assert [(error.row, error.column) for error in report.errors] == [(17, "code")]
        assert (created, card.name, Customer.objects.count()) == (1, "手工客户", 1)
    else:
        # The import created the card, or found the hand-made one and updated it.
        assert (card.name, Customer.objects.count()) == ("N015贸易公司", 30)


def _held_after_insert():
    """Where `race` holds a card's creator: its card is inserted (the history record is
    saved right after), its transaction not yet committed."""
    return (Customer.history.model, "save")


def test_a_card_created_with_a_code_another_creation_has_just_inserted_is_told_which_field(
    monkeypatch, manager
):
    def create(name):
        return lambda: customer_create(data={"code": "N1", "name": name}, actor=manager)

    with pytest.raises(ValidationError) as refused:
        race(
            monkeypatch,
            first=create("先"),
            second=create("后"),
            pause=_held_after_insert(),
        )

    assert list(refused.value.message_dict) == ["code"]
    assert list(Customer.objects.values_list("code", "name")) == [("N1", "先")]


def test_an_import_inserting_a_code_a_card_has_just_taken_names_the_row_and_stores_nothing(
    monkeypatch, manager, salesperson
):
    RegionFactory(code="GZ")
    data = _customers_file(_codes(0, 29), phone="A")

    card, report = race(
        monkeypatch,
        first=lambda: customer_create(data={"code": "N015", "name": "手工客户"}, actor=manager),
        second=lambda: import_file(
            resource=CustomerResource, path_or_bytes=data, file_format="csv"
        ),
        pause=_held_after_insert(),
    )

    assert not report.written
    [error] = report.errors
    assert (error.row, error.column) == (17, "code")
    assert "already exists" in error.message
    assert list(Customer.objects.values_list("pk", flat=True)) == [card.pk]


# 3. One proposal, twenty reviewers ---------------------------------------------------------


def test_twenty_managers_accepting_one_proposal_apply_it_once(salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    proposal = proposed(salesperson, customer, "phone", "0755-2")
    managers = [UserFactory(role="manager", username=f"manager{n}") for n in range(CLIENTS)]
    history_before = _history_ids(customer)

    crowd = together(
        lambda manager=manager: proposal_accept(proposal=proposal, actor=manager)
        for manager in managers
    )
    crowd.figure("proposal_accept", successes=len(crowd.results), conflicts=len(crowd.errors))

    [accepted] = crowd.results
    assert len(crowd.errors) == CLIENTS - 1
    assert all(isinstance(error, ProposalDecided) for error in crowd.errors), crowd.errors
    assert {error.proposal.status for error in crowd.errors} == {Proposal.Status.ACCEPTED}
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (
        Proposal.Status.ACCEPTED,
        accepted.decided_by,
    )
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2", 2)
    [new] = customer.history.exclude(history_id__in=history_before)
    assert (new.phone, new.history_user, new.history_channel) == (
        "0755-2",
        accepted.decided_by,
        Channel.VISIT,
    )


def test_twenty_managers_accepting_a_new_contact_through_the_api_add_it_once(salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    proposal = proposed(salesperson, customer, "contact", {"name": "王芳", "phone": "139"})
    clients = [
        api_client(UserFactory(role="manager", username=f"manager{n}")) for n in range(CLIENTS)
    ]
    url = f"/api/v1/proposals/{proposal.pk}/accept/"

    crowd = together(
        lambda client=client: client.post(url, {}, format="json") for client in clients
    )

    assert crowd.errors == []
    statuses = [response.status_code for response in crowd.results]
    crowd.figure(
        "proposal accept API", successes=statuses.count(200), conflicts=statuses.count(409)
    )
    assert sorted(statuses) == [200] + [409] * (CLIENTS - 1)
    for response in crowd.results:
        if response.status_code == 409:
            assert (response.json()["code"], response.json()["status"]) == ("decided", "accepted")
    assert list(Contact.objects.filter(customer=customer).values_list("name", flat=True)) == [
        "王芳"
    ]


# 4. Regrades ----------------------------------------------------------------------------------


def _graded_cards(salesperson, count: int) -> list[Customer]:
    """`count` cards with a sale today: a third each reach key, general and scattered."""
    today = timezone.localdate()
    product = ProductFactory(code="P-1")
    amounts = (Decimal("600000"), Decimal("60000"), Decimal("600"))
    cards = []
    for n in range(count):
        card = CustomerFactory(code=f"G{n:03d}", salesperson=salesperson, phone="0")
        SalesRecordFactory(customer=card, product=product, date=today, amount=amounts[n % 3])
        cards.append(card)
    return cards


def test_twenty_managers_applying_one_regrade_preview_apply_it_once(salesperson):
    cards = _graded_cards(salesperson, 60)
    preview = regrade_preview()
    expected = {change.customer_id: change.new for change in preview.changes}
    assert len(expected) == len(cards)
    managers = [UserFactory(role="manager", username=f"manager{n}") for n in range(CLIENTS)]

    crowd = together(
        lambda manager=manager: regrade_apply_if_unchanged(
            actor=manager, fingerprint=preview.fingerprint
        )
        for manager in managers
    )

    assert crowd.errors == []
    applied = [answer for answer in crowd.results if answer["applied"]]
    crowd.figure("regrade apply", successes=len(applied), conflicts=CLIENTS - len(applied))
    assert applied == [{"applied": True, "changed": len(cards), "stale": False}]
    assert crowd.results.count({"applied": False, "changed": 0, "stale": True}) == CLIENTS - 1
    for card in Customer.objects.filter(pk__in=expected):
        assert (card.grade, card.version) == (expected[card.pk], 2)
        assert card.history.filter(history_channel=Channel.REGRADE).count() == 1
        [period] = GradeHistory.objects.filter(customer=card)
        assert (period.grade, period.valid_to) == (expected[card.pk], None)


def test_a_regrade_while_cards_are_edited_keeps_every_edit_and_every_grade(manager, salesperson):
    today = timezone.localdate()
    cards = _graded_cards(salesperson, 120)
    expected = {change.customer_id: change.new for change in regrade_preview().changes}
    assert len(expected) == len(cards)
    editors = CLIENTS - 1
    conflicts = []

    def edit_cards(first: int):
        """An editor who saves the phone of every `editors`-th card; told that the card
        changed meanwhile, they reload it and save again, as the message asks."""
        for card in cards[first::editors]:
            for _attempt in range(5):
                seen = Customer.objects.get(pk=card.pk)
                try:
                    card_update(
                        customer=seen,
                        changes={"phone": f"edited-{card.code}"},
                        actor=salesperson,
                        channel=Channel.MANUAL,
                        expected_version=seen.version,
                    )
                    break
                except CardConflict:
                    conflicts.append(card.code)
            else:
                raise AssertionError(f"{card.code} could not be saved in five attempts")

    crowd = together(
        [
            lambda: regrade_apply(actor=manager),
            *(lambda first=first: edit_cards(first) for first in range(editors)),
        ]
    )
    crowd.figure(
        "regrade with edits",
        successes=len(crowd.results),
        conflicts=len(conflicts),
    )

    assert crowd.errors == []
    assert crowd.results[0].changed == len(cards)
    for card in Customer.objects.filter(pk__in=[c.pk for c in cards]):
        assert (card.phone, card.grade, card.version) == (
            f"edited-{card.code}",
            expected[card.pk],
            3,
        )
        latest = card.history.order_by("-history_id").first()
        assert (latest.phone, latest.grade_id, latest.version) == (
            card.phone,
            card.grade_id,
            3,
        )
        edits = card.history.filter(history_type="~", history_channel=Channel.MANUAL)
        assert list(edits.values_list("phone", flat=True)) == [card.phone]
        [period] = GradeHistory.objects.filter(customer=card, valid_to__isnull=True)
        assert (period.grade, period.valid_from) == (expected[card.pk], today)
    assert FieldProvenance.objects.filter(field_name="grade").count() == len(cards)
    assert FieldProvenance.objects.filter(field_name="phone").count() == len(cards)
