"""A long list counts up to its cap and no further."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from armstrace.core.paging import CappedPaginator
from armstrace.registry.models import Weapon

pytestmark = pytest.mark.django_db


class SmallCap(CappedPaginator):
    cap = 3


def test_a_list_under_the_cap_is_counted_exactly(weapon_factory):
    for _ in range(3):
        weapon_factory()
    paginator = SmallCap(Weapon.objects.all(), 2)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)


def test_a_list_over_the_cap_stops_counting_and_says_so(weapon_factory):
    for _ in range(5):
        weapon_factory()
    paginator = SmallCap(Weapon.objects.order_by("serial_norm"), 2)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped) == (4, True)
    sql = queries.captured_queries[0]["sql"].upper()
    assert "LIMIT 4" in sql and "ORDER BY" not in sql


def test_the_weapon_list_says_more_than_the_cap(client, registrar, weapon_factory, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    for _ in range(3):
        weapon_factory()
    client.force_login(registrar)
    page = client.get("/weapons/").content.decode()
    assert "More than 2 weapons: the first 2 are listed; a filter narrows them." in page
