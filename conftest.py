"""The fixed cast of personas every test may call on, and a default audit context.

Agencies: the national registry (national scope), police agencies A and B.
Personas: registrar (A), registrar_b (B), national_registrar, investigator_a, investigator_b,
poc (national point of contact), auditor, administrator, outsider (no role).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from armstrace.core.context import audit_context

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fresh_serial_column() -> None:
    """The in-memory serial column is per process; each test's database starts afresh."""
    from armstrace.search import column

    column.forget()


@pytest.fixture(autouse=True)
def _audit_context() -> Iterator[None]:
    with audit_context(actor_id=None, actor_name="test-setup", channel="system"):
        yield


@pytest.fixture
def agencies(db: Any) -> dict[str, Any]:
    from armstrace.accounts.services import create_agency

    return {
        "national": create_agency(
            code="NFR",
            name="National Firearms Registry",
            kind="registry",
            country="KE",
            national_scope=True,
        ),
        "a": create_agency(code="PA", name="Police Agency A", kind="police", country="KE"),
        "b": create_agency(code="PB", name="Police Agency B", kind="police", country="KE"),
    }


def _user(agencies: dict[str, Any], username: str, agency: str, roles: list[str]) -> Any:
    from armstrace.accounts.services import create_user

    return create_user(
        username=username,
        password=PASSWORD,
        agency=agencies[agency],
        roles=roles,
        check_password=False,
    )


@pytest.fixture
def registrar(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "registrar", "a", ["registrar"])


@pytest.fixture
def registrar_b(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "registrar_b", "b", ["registrar"])


@pytest.fixture
def national_registrar(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "national_registrar", "national", ["registrar"])


@pytest.fixture
def investigator_a(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "investigator_a", "a", ["investigator"])


@pytest.fixture
def investigator_b(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "investigator_b", "b", ["investigator"])


@pytest.fixture
def poc(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "poc", "national", ["poc"])


@pytest.fixture
def auditor(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "auditor", "national", ["auditor"])


@pytest.fixture
def administrator(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "administrator", "national", ["administrator"])


@pytest.fixture
def outsider(agencies: dict[str, Any]) -> Any:
    return _user(agencies, "outsider", "a", [])


@pytest.fixture
def maker(db: Any) -> Any:
    from armstrace.registry.services import create_party

    return create_party(kind="manufacturer", name="Zastava Arms", country="RS")


@pytest.fixture
def weapon_factory(agencies: dict[str, Any], maker: Any) -> Any:
    """Registers weapons through the service layer, as the registry would."""
    from armstrace.registry.services import EventInput, WeaponInput, register_weapon

    counter = iter(range(1, 1_000_000))

    def make(agency: str = "a", serial: str | None = None, **fields: Any) -> Any:
        data = WeaponInput(
            serial_number=serial or f"M70-{next(counter):06d}",
            manufacturer_name=fields.pop("manufacturer_name", maker.name),
            manufacturer=fields.pop("manufacturer", maker),
            weapon_type=fields.pop("weapon_type", "assault-rifle"),
            country_of_manufacture=fields.pop("country_of_manufacture", "RS"),
            model=fields.pop("model", "M70"),
            calibre=fields.pop("calibre", "7.62x39"),
            year_of_manufacture=fields.pop("year_of_manufacture", 1990),
            **fields,
        )
        first = EventInput(
            kind="manufactured", occurred_on=dt.date(data.year_of_manufacture or 1990, 6, 1)
        )
        return register_weapon(agency=agencies[agency], data=data, first_event=first)

    return make
