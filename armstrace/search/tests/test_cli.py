"""The operator's search commands: one query, a JSONL batch, and a reindex."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from armstrace.search.models import SearchLog, SerialEntry


def test_a_batch_file_gets_one_answer_per_line_in_order(weapon_factory, tmp_path):
    a = weapon_factory(serial="KL-7788", record_ref="LEDGER-1/44")
    b = weapon_factory(serial="ZZ 100200")
    lines = [
        {"query_id": "q1", "serial": "KL77BB", "manufacturer": "", "model": ""},
        {"query_id": "q2", "serial": "ZZ1002??", "calibre": "7.62x39"},
        {"query_id": "q3", "serial": ""},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    call_command("search", "weapons", "--batch", str(source), "--out", str(target),
                 "--limit", "3", "--purpose", "collection programme 7")  # fmt: skip
    answers = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [x["query_id"] for x in answers] == ["q1", "q2", "q3", None]
    first = answers[0]["candidates"][0]
    assert (first["weapon_id"], first["record_ref"], first["match"]) == (
        str(a.pk),
        "LEDGER-1/44",
        "equivalent",
    )
    assert set(first) == {
        "weapon_id",
        "record_ref",
        "serial_number",
        "manufacturer",
        "model",
        "calibre",
        "match",
        "score",
        "reasons",
    }
    assert answers[1]["candidates"][0]["weapon_id"] == str(b.pk)
    assert "serial" in answers[2]["error"]
    assert "line 4" in answers[3]["error"]
    assert SearchLog.objects.filter(purpose="collection programme 7").count() == 2


def test_a_single_query_prints_json(weapon_factory, capsys):
    weapon = weapon_factory(serial="QX-5")
    call_command("search", "weapons", "--serial", "qx5", "--format", "json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["candidates"][0]["weapon_id"] == str(weapon.pk)
    assert payload["candidates"][0]["match"] == "exact"


def test_a_bad_query_is_a_clear_command_error(db):
    with pytest.raises(CommandError, match="serial"):
        call_command("search", "weapons", "--serial", "**")


def test_reindex_rebuilds_the_serial_index(weapon_factory, capsys):
    weapon_factory(serial="R-1")
    SerialEntry.objects.all().delete()
    call_command("search", "reindex")
    assert SerialEntry.objects.filter(norm="R1").exists()
    assert "indexed" in capsys.readouterr().out
