"""The synthetic world (world.py), built once per test module and rolled back after it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from armstrace.analytics.tests.world import World, build_world
from armstrace.core.context import audit_context


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        from armstrace.search import column

        column.forget()
        with audit_context(actor_id=None, actor_name="test-setup", channel="system"):
            built = build_world()
        yield built
        transaction.set_rollback(True)
