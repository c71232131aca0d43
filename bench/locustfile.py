"""The load test of `make bench` (run by bench/run.py with locust from .venv-bench).

50 salespeople open their customer list, search it, open a card, and save and submit a
visit report through the API; 5 managers read the reports, open the review queue and accept
proposals through the API. Every user signs in with a session cookie and an API token made
by bench/run.py (BENCH_USERS_FILE), so signing in is not what is measured and the sign-in
rate limits do not apply. A proposal another manager decided first (409) is not an error: it
is counted under its own name.
"""

import itertools
import json
import os
import random
from datetime import date, timedelta
from pathlib import Path

from locust import HttpUser, between, task

USERS = json.loads(Path(os.environ["BENCH_USERS_FILE"]).read_text(encoding="utf-8"))
SALESPEOPLE = iter(USERS["salespeople"])
MANAGERS = iter(USERS["managers"])
# Think time between two actions of a user, in seconds ("MIN-MAX", bench/run.py --wait).
WAIT = between(*(float(bound) for bound in os.environ.get("BENCH_WAIT", "1-3").split("-")))


class SignedIn(HttpUser):
    abstract = True
    wait_time = WAIT

    def sign_in(self, credentials: dict) -> None:
        self.client.cookies.set(USERS["session_cookie"], credentials["session"])
        self.api = {"Authorization": f"Token {credentials['token']}"}

    def page(self, url: str, name: str, **kwargs):
        """A GET that counts as an error unless it answers 200 itself: a redirect (to the
        sign-in page, say) is not the page."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
        return response


class Salesperson(SignedIn):
    fixed_count = len(USERS["salespeople"])

    def on_start(self):
        self.me = next(SALESPEOPLE)
        self.sign_in(self.me)
        self.days = (
            date.fromisoformat(self.me["first_day"]) - timedelta(days=n) for n in itertools.count()
        )

    @task(3)
    def customer_list(self):
        self.page("/customers/", "customer list page")

    @task(3)
    def customer_search(self):
        search = random.choice(self.me["searches"])  # noqa: S311
        self.page("/customers/", "customer search page", params={"q": search})

    @task(3)
    def customer_card(self):
        customer = random.choice(self.me["customers"])  # noqa: S311
        self.page(f"/customers/{customer}/", "customer card page")

    @task(1)
    def visit_report(self):
        customers = random.sample(self.me["customers"], 3)
        body = {
            "date": next(self.days).isoformat(),
            "visits": [
                {
                    "customer": customer,
                    "kind": "visit",
                    "summary": "负载测试拜访",
                    "proposals": [
                        {"field": "phone", "value": f"137{random.randrange(10**8):08d}"}  # noqa: S311
                    ],
                }
                for customer in customers
            ],
        }
        with self.client.post(
            "/api/v1/visit-reports/",
            json=body,
            headers=self.api,
            name="visit report save (API)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return
            report = response.json()["id"]
        self.client.post(
            f"/api/v1/visit-reports/{report}/submit/",
            headers=self.api,
            name="visit report submit (API)",
        )


class Manager(SignedIn):
    fixed_count = len(USERS["managers"])

    def on_start(self):
        self.sign_in(next(MANAGERS))

    @task(2)
    def report(self):
        url = random.choice(USERS["reports"])  # noqa: S311
        self.page(url, "report (API)", headers=self.api)

    @task(2)
    def review_queue(self):
        self.page("/review/", "review queue page")

    @task(3)
    def accept(self):
        response = self.page(
            "/api/v1/proposals/",
            "pending proposals (API)",
            params={"status": "pending"},
            headers=self.api,
        )
        if response.status_code != 200 or not response.json()["results"]:
            return
        proposal = random.choice(response.json()["results"])  # noqa: S311
        with self.client.post(
            f"/api/v1/proposals/{proposal['id']}/accept/",
            json={"confirm": True},
            headers=self.api,
            name="proposal accept (API)",
            catch_response=True,
        ) as answer:
            if answer.status_code == 409:
                # Another manager decided it first: the right answer, not an error.
                answer.success()
                answer.request_meta["name"] = "proposal accept: already decided (409)"
