from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from armstrace.audit.chain import CHAINED_FIELDS, GENESIS, entry_hash
from armstrace.audit.models import AuditEntry, ChainHead
from armstrace.audit.roles import may_change_entries
from armstrace.audit.services import record_event
from armstrace.audit.tests.test_chain import Tamper
from armstrace.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "keys" / "audit.pem"
    call_command("audit", "keygen", "--key", str(path))
    return path


def _checkpoint(key: Path, directory: Path) -> None:
    for i in range(3):
        record_event(f"test:thing:act{i}", data={"i": i})
    call_command("audit", "checkpoint", "--key", str(key), "--checkpoints", str(directory))


def _rewrite_chain(seq: int, actor_name: str) -> None:
    """What an insider with database access does: change an entry, then recompute every
    hash after it and the head, so that the chain alone verifies again."""
    with Tamper():
        Tamper.sql("UPDATE audit_auditentry SET actor_name = %s WHERE seq = %s", [actor_name, seq])
        prev = GENESIS
        for entry in AuditEntry.objects.order_by("seq"):
            payload = {name: getattr(entry, name) for name in CHAINED_FIELDS}
            payload["created_at"] = entry.created_at.isoformat()
            digest = entry_hash(prev, payload)
            Tamper.sql(
                "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [prev, digest, entry.pk],
            )
            prev = digest
        ChainHead.objects.filter(id=1).update(hash=prev)


def test_a_signed_checkpoint_verifies_with_the_chain(key, tmp_path, capsys):
    _checkpoint(key, tmp_path / "cp")
    files = list((tmp_path / "cp").glob("checkpoint-*.json"))
    assert len(files) == 1
    body = json.loads(files[0].read_text())
    assert AuditEntry.objects.get(seq=body["seq"]).hash == body["hash"]
    assert AuditEntry.objects.filter(tag="audit:checkpoint:signed", object_id=str(body["seq"]))
    call_command("audit", "verify", "--checkpoints", str(tmp_path / "cp"), "--key", str(key))
    assert "1 signed checkpoint(s) match" in capsys.readouterr().out


def test_a_rewritten_chain_passes_the_hash_walk_but_not_the_checkpoint(key, tmp_path):
    _checkpoint(key, tmp_path / "cp")
    target = AuditEntry.objects.get(tag="test:thing:act1").seq
    _rewrite_chain(target, "someone-else")
    assert verify_chain().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "cp"), "--key", str(key))


def test_a_checkpoint_signed_with_another_key_is_refused(key, tmp_path, capsys):
    other = tmp_path / "other.pem"
    call_command("audit", "keygen", "--key", str(other))
    _checkpoint(other, tmp_path / "cp")
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "cp"), "--key", str(key))
    assert "signature does not verify" in capsys.readouterr().err


def test_an_altered_checkpoint_file_is_refused(key, tmp_path, capsys):
    _checkpoint(key, tmp_path / "cp")
    path = next((tmp_path / "cp").glob("checkpoint-*.json"))
    body = json.loads(path.read_text())
    body["seq"] -= 1
    path.write_text(json.dumps(body))
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "cp"), "--key", str(key))
    assert "signature does not verify" in capsys.readouterr().err


def test_keygen_never_overwrites_a_key(key):
    before = key.read_bytes()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("audit", "keygen", "--key", str(key))
    assert key.read_bytes() == before
    assert key.stat().st_mode & 0o077 == 0


def test_checkpoint_without_a_key_says_how_to_make_one(tmp_path):
    with pytest.raises(CommandError, match="audit keygen"):
        call_command("audit", "checkpoint", "--key", str(tmp_path / "none.pem"))


def test_the_application_role_loses_every_right_to_change_audit_entries():
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="SQLite has no database roles"):
            call_command("audit", "restrict-role", "armstrace_app")
        return
    with connection.cursor() as cursor:  # rolled back with the test, like everything here
        cursor.execute("CREATE ROLE armstrace_app LOGIN")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO armstrace_app")
    assert may_change_entries("armstrace_app")
    call_command("audit", "restrict-role", "armstrace_app")
    assert not may_change_entries("armstrace_app")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege('armstrace_app', 'audit_auditentry', 'INSERT'), "
            "has_table_privilege('armstrace_app', 'registry_weapon', 'UPDATE')"
        )
        assert cursor.fetchone() == (True, True)


def test_a_superuser_the_table_owner_or_an_unknown_role_cannot_be_restricted():
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError):
            call_command("audit", "restrict-role", "anyone")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="is a superuser"):
        call_command("audit", "restrict-role", owner)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE armstrace_owner")
        cursor.execute("ALTER TABLE audit_auditentry OWNER TO armstrace_owner")
    with pytest.raises(CommandError, match="owns the audit table"):
        call_command("audit", "restrict-role", "armstrace_owner")
    with pytest.raises(CommandError, match="no database role"):
        call_command("audit", "restrict-role", "nobody_here")


def test_a_periodic_checkpoint_is_skipped_when_nothing_happened_since_the_last(key, tmp_path):
    from armstrace.audit.checkpoints import checkpoint_if_moved, load_private_key

    record_event("test:thing:act", data={})
    private = load_private_key(key)
    assert checkpoint_if_moved(tmp_path, private) is not None
    assert checkpoint_if_moved(tmp_path, private) is None
    record_event("test:thing:again", data={})
    assert checkpoint_if_moved(tmp_path, private) is not None
    assert len(list(tmp_path.glob("checkpoint-*.json"))) == 2
