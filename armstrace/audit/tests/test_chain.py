from __future__ import annotations

import contextvars

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from armstrace.audit.models import AuditEntry
from armstrace.audit.services import record_event
from armstrace.audit.verify import verify_chain
from armstrace.core.exceptions import MissingAuditContext

pytestmark = pytest.mark.django_db


def _three_events() -> list[AuditEntry]:
    entries = [record_event(f"test:thing:act{i}", data={"i": i}) for i in range(3)]
    return [e for e in entries if e is not None]


class Tamper:
    """Acts as an attacker with direct database access: lifts the append-only guard."""

    def __enter__(self) -> Tamper:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            else:
                cur.execute("DROP TRIGGER audit_entry_no_update")
                cur.execute("DROP TRIGGER audit_entry_no_delete")
        return self

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
            else:
                cur.execute(
                    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON "
                    "audit_auditentry BEGIN SELECT RAISE(ABORT, 'no'); END;"
                )
                cur.execute(
                    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON "
                    "audit_auditentry BEGIN SELECT RAISE(ABORT, 'no'); END;"
                )

    @staticmethod
    def sql(statement: str, params: list[int | str]) -> None:
        with connection.cursor() as cur:
            cur.execute(statement, params)


def test_an_untouched_chain_verifies():
    existing = AuditEntry.objects.count()
    _three_events()
    report = verify_chain()
    assert report.ok, report.problems
    assert report.checked == existing + 3


def test_verify_command_reports_intact_chain(capsys):
    _three_events()
    call_command("audit", "verify")
    assert f"{AuditEntry.objects.count()} entries verified" in capsys.readouterr().out


def test_the_database_refuses_update_and_delete_of_audit_rows():
    entry = _three_events()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(tag="x:y:z")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).tag == "test:thing:act0"


def test_an_altered_entry_is_detected():
    entries = _three_events()
    with Tamper():
        Tamper.sql(
            "UPDATE audit_auditentry SET actor_name = %s WHERE id = %s",
            ["someone-else", entries[1].pk],
        )
    report = verify_chain()
    assert any(f"#{entries[1].seq}: content altered" in p for p in report.problems)
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")


def test_a_removed_entry_is_detected():
    entries = _three_events()
    with Tamper():
        Tamper.sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert any("sequence jumps" in p for p in report.problems)


def test_a_removed_last_entry_is_detected():
    entries = _three_events()
    with Tamper():
        Tamper.sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    assert any("head records" in p for p in verify_chain().problems)


def test_an_inserted_entry_is_detected():
    entries = _three_events()
    forged = entries[2]
    with Tamper():
        Tamper.sql("UPDATE audit_auditentry SET seq = seq + 1 WHERE seq = %s", [forged.seq])
        Tamper.sql(
            "INSERT INTO audit_auditentry (seq, kind, tag, created_at, actor_id, actor_name, "
            "channel, correlation_id, purpose, object_type, object_id, before, after, data, "
            "prev_hash, hash) SELECT %s, kind, 'test:thing:forged', created_at, actor_id, "
            "actor_name, channel, correlation_id, purpose, object_type, object_id, before, "
            "after, data, hash, hash FROM audit_auditentry WHERE seq = %s",
            [forged.seq, entries[1].seq],
        )
    problems = verify_chain().problems
    assert problems
    assert any(f"#{forged.seq}" in p for p in problems)


def test_a_batch_chains_its_entries_at_the_end_and_drops_them_on_failure():
    from armstrace.audit.services import batch

    before = AuditEntry.objects.count()
    with batch():
        assert record_event("test:thing:one") is None
        record_event("test:thing:two")
        assert AuditEntry.objects.count() == before
    assert AuditEntry.objects.count() == before + 2
    with pytest.raises(RuntimeError), transaction.atomic(), batch():
        record_event("test:thing:lost")
        raise RuntimeError
    assert AuditEntry.objects.count() == before + 2
    assert verify_chain().ok


def test_writing_without_an_audit_context_fails():
    empty = contextvars.Context()
    with pytest.raises(MissingAuditContext):
        empty.run(record_event, "test:thing:act")
