"""The engine indexes created by raw SQL survive every later migration.

A migration that makes SQLite rebuild a table keeps only the indexes Django knows of; the
search's own (canonical, reversed, per maker) would silently vanish and every query would
scan. This test reads the migrated schema of the test database.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

ENGINE_INDEXES = {"serial_canon", "serial_canon_rev", "serial_maker_canon", "serial_maker_rev"}


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in constraints.items() if info["index"]}


def test_the_serial_engine_indexes_exist_after_all_migrations():
    assert _indexes("search_serialentry") >= ENGINE_INDEXES


def test_foreign_keys_covered_by_a_composite_index_have_none_of_their_own():
    indexes = _indexes("search_serialentry")
    assert not any(name.startswith("search_serialentry_maker_id") for name in indexes)
    weapon = _indexes("registry_weapon")
    assert not any("calibre_ref_id" in name or "import_country_id" in name for name in weapon)
    assert {"weapon_serial_norm", "weapon_mfr_serial"} <= weapon
