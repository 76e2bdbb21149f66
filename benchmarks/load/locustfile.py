"""Locust users for the load test: field people recording, coordinators reading.

Run by ``benchmarks/load_test.py``, which builds the database, starts Gunicorn and writes the
people file this reads (``LOAD_PEOPLE``: usernames, password, and for each field person the
committee, system and locality they work in, for each coordinator the municipality; and the
session each person already holds, except in the smoke run, where everyone signs in through the
sign-in page). Every request sends Django's CSRF token like a browser; every write goes
through the same page a phone uses, so it reaches the domain services (``books.payments``, the
observation service) exactly as a person's would.

- ``FieldPerson``: a facilitator in the field for one committee. Records payments on the payment
  page (a toma chosen from the debts it lists, a record id made on the phone), sends the phone's
  waiting payments to the batch address as ``draft.js`` does, records a water sample with its
  results, fills a week of the supply log (a sector of their own, so two people never write the
  same day), and opens the home page.
- ``Coordinator``: the municipal agency. Reads the home page (what needs attention across the
  committees), the municipal summary, the "why this number" page of an indicator, money across
  committees and the integrity overview.

A request counts as an error if it answers 4xx or 5xx, or if a write does not land where the
page goes after saving (the receipt, the sample, the supply week).
"""

import datetime
import itertools
import json
import os
import random
import re
import uuid
import zoneinfo
from urllib.parse import urlencode, urlparse

from locust import HttpUser, between, events, task

PEOPLE = json.loads(open(os.environ["LOAD_PEOPLE"], encoding="utf-8").read())
# The smoke run is short: each person first does every action once, so none goes untried.
SMOKE = os.environ.get("LOAD_SMOKE") == "1"
TOMA_LINK = re.compile(r"pagos/nuevo/\?toma=(\d+)")
VALUE_LINK = re.compile(r'href="/indicadores/(\d+)/"')
# Each simulated person takes the next account of her group, so 50 field users are 50
# different people.
_next_account = {"field": itertools.count(), "coordinators": itertools.count()}
# The site's day, not this machine's: between midnight UTC and midnight in Chiapas a payment
# dated by the machine's clock would be "tomorrow" for the server, and refused.
SITE_ZONE = zoneinfo.ZoneInfo("America/Mexico_City")


def site_today() -> datetime.date:
    return datetime.datetime.now(SITE_ZONE).date()


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--think-min", type=float, default=5.0, env_var="LOAD_THINK_MIN")
    parser.add_argument("--think-max", type=float, default=15.0, env_var="LOAD_THINK_MAX")


def think(user) -> float:
    options = user.environment.parsed_options
    low = getattr(options, "think_min", 5.0)
    high = getattr(options, "think_max", 15.0)
    return between(low, high)(user)


class Person(HttpUser):
    abstract = True
    wait_time = think
    # Which accounts of ``PEOPLE`` this kind of person signs in with.
    group = ""

    def on_start(self) -> None:
        people = PEOPLE[self.group]
        self.me = people[next(_next_account[self.group]) % len(people)]
        self.sign_in(self.me["username"])
        self.started()
        if SMOKE:
            self.every_task_once()

    def started(self) -> None:
        """What a kind of person keeps from her account once signed in."""

    def sign_in(self, username: str) -> None:
        session = PEOPLE.get("sessions", {}).get(username)
        if session:
            # Signed in before the run, as a phone stays signed in: the password hash is slow
            # on purpose, and a person signs in once, not at every visit.
            host = urlparse(self.host).hostname
            for name, value in session.items():
                # Where the server's own cookies go, so that a new token replaces this one.
                self.client.cookies.set(name, value, domain=host, path="/")
            return
        self.client.get("/entrar/", name="/entrar/")
        with self.client.post(
            "/entrar/",
            {
                "username": username,
                "password": PEOPLE["password"],
                "next": "/",
                "csrfmiddlewaretoken": self.token(),
            },
            name="/entrar/ (POST)",
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure(f"{username} could not sign in")

    def every_task_once(self) -> None:
        for action in dict.fromkeys(self.tasks):
            action(self)

    def token(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post(self, url: str, data, name: str, **kwargs):
        headers = {"X-CSRFToken": self.token(), **kwargs.pop("headers", {})}
        return self.client.post(url, data, name=name, headers=headers, **kwargs)


class FieldPerson(Person):
    fixed_count = int(os.environ.get("LOAD_FIELD_USERS", "50"))
    group = "field"

    def started(self) -> None:
        self.books = f"/cuentas/{self.me['provider']}"

    @task(4)
    def record_a_payment(self) -> None:
        page = self.client.get(f"{self.books}/pagos/nuevo/", name="/cuentas/[id]/pagos/nuevo/")
        tomas = TOMA_LINK.findall(page.text) or self.me["tomas"]
        toma = random.choice(tomas)
        self.client.get(
            f"{self.books}/pagos/nuevo/?toma={toma}", name="/cuentas/[id]/pagos/nuevo/?toma="
        )
        with self.post(
            f"{self.books}/pagos/nuevo/",
            self.payment(toma),
            name="/cuentas/[id]/pagos/nuevo/ (POST)",
            catch_response=True,
        ) as response:
            if "/recibos/" not in response.url:
                response.failure(f"no receipt after the payment: {response.url}")

    @task(1)
    def send_the_outbox(self) -> None:
        waiting = [urlencode(self.payment(random.choice(self.me["tomas"]))) for _ in range(3)]
        with self.post(
            f"{self.books}/pagos/lote/",
            {"pago": waiting, "csrfmiddlewaretoken": self.token()},
            name="/cuentas/[id]/pagos/lote/ (POST)",
            headers={"HX-Request": "true"},
            catch_response=True,
        ) as response:
            if response.text.count("/recibos/") < len(waiting):
                response.failure("the batch did not record every waiting payment")

    @task(2)
    def record_a_sample(self) -> None:
        self.client.get("/muestras/nueva/", name="/muestras/nueva/")
        data = {
            "observed_on": self.day(30).isoformat(),
            "source": "visit",
            "locality": self.me["locality"],
            "system": self.me["system"],
            "sampling_point": "tap",
            "point_description": "Llave pública",
            "analysis": "field_kit",
            "laboratory": "",
            "notes": "",
            "result-TOTAL_FORMS": "2",
            "result-INITIAL_FORMS": "0",
            "result-MIN_NUM_FORMS": "0",
            "result-MAX_NUM_FORMS": "1000",
        }
        results = [
            {"parameter_text": "Cloro libre", "value": f"{random.uniform(0, 1.5):.2f}"},
            {"parameter_text": "pH", "value": f"{random.uniform(6.5, 8.5):.1f}"},
        ]
        for index, row in enumerate(results):
            row = {"outcome": "", "unit": "", "method": "", **row}
            data.update({f"result-{index}-{key}": value for key, value in row.items()})
        data["csrfmiddlewaretoken"] = self.token()
        with self.post(
            "/muestras/nueva/", data, name="/muestras/nueva/ (POST)", catch_response=True
        ) as response:
            if not re.search(r"/muestras/\d+/$", response.url):
                response.failure(f"the sample was not saved: {response.url}")

    @task(2)
    def fill_a_supply_week(self) -> None:
        # One of the last eight full weeks (a week sent at its end, or caught up later): written,
        # or corrected if this person wrote it before. Never this week: its days to come are
        # refused.
        today = site_today()
        monday = today - datetime.timedelta(days=today.weekday(), weeks=random.randint(1, 8))
        query = urlencode(
            {"system": self.me["system"], "sector": self.me["sector"], "start": monday}
        )
        url = f"/suministro/semana/?{query}"
        self.client.get(url, name="/suministro/semana/")
        data = {"csrfmiddlewaretoken": self.token()}
        for n in range(7):
            dry = random.random() < 0.1
            data[f"day-{n}-hours"] = "0" if dry else str(random.choice([4, 6, 8, 12, 24]))
            data[f"day-{n}-no_water_reason"] = "pump" if dry else ""
        with self.post(
            url, data, name="/suministro/semana/ (POST)", catch_response=True
        ) as response:
            if "/suministro/semana/" not in response.url or response.history == []:
                response.failure("the supply week was not saved")

    @task(1)
    def open_home(self) -> None:
        self.client.get("/", name="/")

    def payment(self, toma) -> dict[str, str]:
        return {
            "record_id": str(uuid.uuid4()),
            "toma": str(toma),
            "amount": str(random.choice([20, 50, 80, 100, 150])),
            "paid_on": site_today().isoformat(),
            "method": "cash",
            "concept": "",
            "csrfmiddlewaretoken": self.token(),
        }

    @staticmethod
    def day(within: int) -> datetime.date:
        return site_today() - datetime.timedelta(days=random.randint(1, within))


class Coordinator(Person):
    fixed_count = int(os.environ.get("LOAD_COORDINATORS", "10"))
    group = "coordinators"

    @task(3)
    def read_the_desk(self) -> None:
        self.client.get("/", name="/")

    @task(3)
    def read_the_summary(self) -> None:
        self.summary()

    @task(2)
    def read_why_a_number(self) -> None:
        # From a figure of the summary, as a coordinator taps one: a value's id changes when
        # a refresh writes it again, so the link is read from the page.
        values = VALUE_LINK.findall(self.summary().text)
        if values:
            self.client.get(f"/indicadores/{random.choice(values)}/", name="/indicadores/[id]/")

    def summary(self):
        return self.client.get(
            f"/resumen/municipio/{self.me['municipality']}/", name="/resumen/municipio/[id]/"
        )

    @task(2)
    def read_money_across_committees(self) -> None:
        self.client.get("/cuentas/comites/", name="/cuentas/comites/")

    @task(1)
    def read_the_integrity_overview(self) -> None:
        self.client.get("/integridad/", name="/integridad/")

    @task(1)
    def read_the_samples(self) -> None:
        self.client.get("/muestras/", name="/muestras/")
