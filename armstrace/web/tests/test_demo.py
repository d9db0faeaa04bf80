"""The demo data set, `armstrace demo` and `armstrace serve`."""

from __future__ import annotations

import io
import itertools
import os
import random
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest
import waitress
from django.core.management import call_command
from django.db import transaction

from armstrace.accounts.choices import Role
from armstrace.accounts.models import Agency, RoleGrant, User
from armstrace.audit.models import AuditEntry
from armstrace.audit.verify import verify_chain
from armstrace.registry import rules
from armstrace.registry.choices import EventKind, MarkRole, Status
from armstrace.registry.models import Component, Event, Mark, Party, Weapon
from armstrace.web import demo
from armstrace.web.management.commands import demo as demo_command

WEAPONS = 200


@pytest.fixture(scope="class")
def demo_credentials(django_db_setup, django_db_blocker):
    """One demo load shared by the tests of a class, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo.build_demo(weapons=WEAPONS, seed=7)
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_credentials, db):
    return demo_credentials


class TestTheDemoDataSet:
    """One load of 200 weapons, shared by these tests."""

    def test_demo_creates_the_requested_number_of_weapons(self, loaded):
        assert Weapon.objects.count() == WEAPONS

    def test_demo_has_a_user_for_every_role_with_investigators_in_two_agencies(self, loaded):
        for role in Role:
            assert RoleGrant.objects.filter(role=role).exists(), role
        investigators = RoleGrant.objects.filter(role=Role.INVESTIGATOR)
        assert investigators.values("agency").distinct().count() == 2
        assert {c.role for c in loaded} == set(Role.values)
        assert User.objects.count() == len(loaded)

    def test_demo_passwords_are_random_and_work(self, loaded):
        passwords = {c.password for c in loaded}
        assert len(passwords) == len(loaded)
        for credential in loaded:
            assert User.objects.get(username=credential.username).check_password(
                credential.password
            )

    def test_demo_has_the_agencies_a_registry_needs(self, loaded):
        national = Agency.objects.get(national_scope=True)
        assert national.kind == "registry"
        assert set(Agency.objects.values_list("kind", flat=True)) >= {
            "registry", "police", "military", "customs",
        }  # fmt: skip
        assert Agency.objects.filter(kind="police").count() == 2

    def test_demo_statuses_are_varied(self, loaded):
        assert Weapon.objects.values("status").distinct().count() >= 6

    def test_every_demo_weapon_replays_legally_from_nothing_to_its_stored_status(self, loaded):
        events = defaultdict(list)
        for event in Event.objects.select_related("to_party").order_by("weapon_id", "seq"):
            events[event.weapon_id].append(event)
        for weapon in Weapon.objects.all():
            status = None
            days = [e.occurred_on for e in events[weapon.pk]]
            for event in events[weapon.pk]:
                party_kind = event.to_party.kind if event.to_party else None
                status = rules.next_status(status, EventKind(event.kind), to_party_kind=party_kind)
                assert status == event.status_after
            assert status == weapon.status, weapon
            assert days == sorted(days) and days[-1] <= demo.HORIZON

    def test_demo_weapons_start_their_lives_in_every_realistic_way(self, loaded):
        first_kinds = set(Event.objects.filter(seq=1).values_list("kind", flat=True))
        assert first_kinds >= {"manufactured", "imported", "registered"}
        assert first_kinds & {"found", "seized"}

    def test_demo_years_of_manufacture_lie_between_1950_and_2025(self, loaded):
        years = Weapon.objects.values_list("year_of_manufacture", flat=True)
        assert all(year is not None and 1950 <= year <= 2025 for year in years)

    def test_demo_audit_chain_verifies(self, loaded):
        report = verify_chain()
        assert report.ok, report.problems[:5]
        assert report.checked > WEAPONS * 5

    def test_demo_weapons_carry_components_and_marks_of_several_roles(self, loaded):
        assert Component.objects.exclude(serial_number="").count() > WEAPONS // 5
        roles = set(Mark.objects.values_list("role", flat=True))
        assert roles >= {MarkRole.MANUFACTURE, MarkRole.IMPORT, MarkRole.STATE_OWNERSHIP}
        import_mark = Mark.objects.filter(role=MarkRole.IMPORT).first()
        assert import_mark is not None and import_mark.text.startswith("KE ")

    def test_demo_manufacturers_are_parties_with_their_countries(self, loaded):
        makers = Party.objects.filter(kind="manufacturer")
        assert makers.count() >= 40
        assert makers.get(name="Glock Ges.m.b.H.").country_id == "AT"
        assert Party.objects.filter(kind="dealer").exclude(licence_number="").exists()

    def test_demo_statuses_cover_the_main_life_cycle_outcomes(self, loaded):
        statuses = set(Weapon.objects.values_list("status", flat=True))
        assert statuses >= {Status.CIVILIAN, Status.STATE_HOLDING, Status.DESTROYED}


def _plans(seed: int, count: int) -> list[demo.Plan]:
    """Plans only, against unsaved parties: fast, and no database needed."""

    def party(kind: str, name: str) -> Party:
        return Party(kind=kind, name=name, licence_number="L/1", address="Nairobi")

    cast = demo.Cast(
        agencies={spec.code: Agency(code=spec.code) for spec in demo.AGENCIES},
        makers={maker.name: party("manufacturer", maker.name) for maker in demo.MAKERS},
        importers=[party("importer", "importer")],
        dealers=[party("dealer", f"dealer {i}") for i in range(3)],
        armouries={s.code: party("state_unit", s.armoury) for s in demo.AGENCIES if s.armoury},
        units={
            s.code: [party("state_unit", unit) for unit in s.units]
            for s in demo.AGENCIES
            if s.armoury
        },
        other_state=[party("state_unit", "prisons")],
        individuals=[party("individual", f"person {i}") for i in range(50)],
        companies=[party("company", f"company {i}") for i in range(5)],
    )
    return list(demo.Planner(random.Random(seed), cast).plans(count))


def _story(plan: demo.Plan) -> list[tuple[str, ...]]:
    identity = (plan.identity.serial_number, plan.identity.manufacturer_name)
    return [identity, *((str(s.kind), s.on.isoformat()) for s in plan.steps)]


def test_the_same_seed_plans_the_same_data_set_and_another_seed_does_not():
    first, again, other = _plans(3, 300), _plans(3, 300), _plans(4, 300)
    assert [_story(p) for p in first] == [_story(p) for p in again]
    assert [_story(p) for p in first] != [_story(p) for p in other]


def test_serials_come_in_sequential_runs_and_a_few_are_shared_between_makers():
    plans = _plans(11, 3000)
    makers_by_serial = defaultdict(set)
    for plan in plans:
        makers_by_serial[plan.identity.serial_number].add(plan.identity.manufacturer_name)
    shared = [serial for serial, makers in makers_by_serial.items() if len(makers) > 1]
    assert 0 < len(shared) < len(plans) // 20
    neighbours = sum(
        a.identity.serial_number[:-1] == b.identity.serial_number[:-1]
        for a, b in itertools.pairwise(plans)
    )
    assert neighbours > len(plans) // 4


def test_planned_steps_are_legal_dated_in_order_and_never_after_the_horizon():
    for plan in _plans(5, 2000):
        status = None
        for step in plan.steps:
            kind_of_party = step.to_party.kind if step.to_party else None
            assert rules.allowed(status, step.kind)
            status = rules.next_status(status, step.kind, to_party_kind=kind_of_party)
        days = [step.on for step in plan.steps]
        assert days == sorted(days) and days[-1] <= demo.HORIZON
        assert status == plan.status


# --- the commands ---------------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    settings.STATIC_ROOT = settings.DATA_DIR / "static"
    return settings.DATA_DIR


@pytest.fixture
def no_server(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the demo must not serve with --no-serve")

    monkeypatch.setattr(waitress, "serve", refuse)


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--weapons", "15", *args, stdout=out)
    return out.getvalue()


def test_demo_command_loads_data_and_writes_private_credentials(db, data_dir, no_server):
    output = _demo()
    assert Weapon.objects.filter(source="").count() == 15  # the rest came from sample files
    path = data_dir / demo_command.CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = demo_command.read_credentials(path)
    assert {c.role for c in saved} == set(Role.values)
    for credential in saved:
        assert credential.password in output
        assert User.objects.get(username=credential.username).check_password(credential.password)
    assert "http://127.0.0.1:8000/" in output


def test_demo_imports_a_ledger_takes_over_a_closed_dealers_books_and_runs_the_quality_rules(
    db, data_dir, no_server
):
    from armstrace.intake.models import ImportBatch, LedgerEntry
    from armstrace.quality.models import QualityRun
    from armstrace.web import samples

    _demo()
    ledger = Weapon.objects.filter(source="county-ledger-1998")
    assert ledger.count() == len(samples.LEDGER_ROWS)
    odd = ledger.get(record_ref="NK-1998-006")
    assert odd.unresolved == {"manufacturer_name": "Unknown maker", "weapon_type": "muzzle-loader"}
    assert {b.kind for b in ImportBatch.objects.all()} == {"weapons", "handover"}
    lines = LedgerEntry.objects.all()
    assert lines.count() == 6 and lines.filter(scan__isnull=False).count() == 5
    assert lines.filter(weapon__source="").count() == 3  # three demo weapons were in the books
    assert QualityRun.objects.exists()
    assert verify_chain().ok


def test_running_the_demo_again_adds_nothing_and_says_where_the_credentials_are(
    db, data_dir, no_server
):
    _demo()
    counts = (Weapon.objects.count(), AuditEntry.objects.count(), User.objects.count())
    output = _demo("--weapons", "30")
    assert (Weapon.objects.count(), AuditEntry.objects.count(), User.objects.count()) == counts
    assert str(data_dir / demo_command.CREDENTIALS_FILE) in output.replace("\n", "")


def test_demo_command_serves_on_localhost_at_the_given_port(db, data_dir, monkeypatch):
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: calls.append((app, kwargs)))
    call_command("demo", "--weapons", "3", "--port", "8123", stdout=io.StringIO())
    ((app, kwargs),) = calls
    assert callable(app)
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 8123)


def test_serve_hands_the_wsgi_application_to_waitress_with_host_port_and_threads(
    data_dir, monkeypatch
):
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: calls.append((app, kwargs)))
    out = io.StringIO()
    call_command("serve", "--host", "localhost", "--port", "9000", "--threads", "4", stdout=out)
    ((app, kwargs),) = calls
    assert callable(app)
    assert (kwargs["host"], kwargs["port"], kwargs["threads"]) == ("localhost", 9000, 4)
    assert "http://localhost:9000/" in out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_http_requests(data_dir, monkeypatch):
    """A real waitress server, run a loop turn at a time so that the thread serving it
    also closes it (closing it from another thread races its select())."""
    stop = threading.Event()

    def serve(app, **kwargs):
        server = waitress.create_server(app, **kwargs)
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        server.close()
        server.task_dispatcher.shutdown()

    monkeypatch.setattr(waitress, "serve", serve)
    port = _free_port()
    args = ("serve", "--port", str(port), "--threads", "2")
    thread = threading.Thread(
        target=call_command, args=args, kwargs={"stdout": io.StringIO()}, daemon=True
    )
    thread.start()
    try:
        status = _get_status(f"http://127.0.0.1:{port}/login/")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert 200 <= status < 500


def _get_status(url: str) -> int:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_an_interrupted_demo_load_is_reported_not_duplicated(db, data_dir, no_server):
    from armstrace.accounts.services import create_agency

    spec = demo.AGENCIES[0]
    create_agency(code=spec.code, name=spec.name, kind=spec.kind, country="KE")
    with pytest.raises(Exception, match="interrupted"):
        _demo()
    assert not Weapon.objects.exists()


def _armstrace(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARMSTRACE_", "DJANGO_"))}
    env["ARMSTRACE_DATA_DIR"] = str(data_dir)
    command = [str(Path(sys.executable).parent / "armstrace"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_without_a_secret_key_the_cli_refuses_and_after_a_demo_key_it_starts(tmp_path):
    refused = _armstrace(tmp_path, "check")
    assert refused.returncode != 0 and "ARMSTRACE_SECRET_KEY" in refused.stderr
    (tmp_path / "secret_key").write_text("k" * 50, encoding="utf-8")  # as `demo` leaves it
    started = _armstrace(tmp_path, "check")
    assert started.returncode == 0, started.stderr
