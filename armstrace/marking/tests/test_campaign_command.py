"""`armstrace campaign ...`: a whole campaign from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from armstrace.audit.models import AuditEntry
from armstrace.marking.models import Campaign

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("campaign", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_campaign_runs_from_the_command_line(agencies, weapon_factory, tmp_path):
    weapons = [weapon_factory(), weapon_factory()]
    code = run(
        "create",
        "--agency",
        "PA",
        "--name",
        "CLI",
        "--purpose",
        "post_seizure",
        "--format",
        "PS{yy}-",
        "--digits",
        "4",
    ).strip()
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(str(w.pk) for w in weapons), encoding="utf-8")
    assert "2 mark(s) allocated" in run("allocate", code, "--list", str(listing))
    job = tmp_path / "job.csv"
    assert "2 weapon(s) written" in run("export", code, "--out", str(job))
    assert (
        run("export", code, "--out", str(tmp_path / "c.pdf"))
        and (tmp_path / "c.pdf").read_bytes()[:4] == b"%PDF"
    )
    campaign = Campaign.objects.get(code=code)
    marks = list(campaign.items.values_list("mark_text", flat=True))
    log = tmp_path / "log.csv"
    log.write_text("mark_text,result\n" + "".join(f"{m},done\n" for m in marks), encoding="utf-8")
    assert "Marked: 2, Failed: 0" in run("complete", code, str(log))
    status = run("status", code)
    assert "Completed" in status and "done: 2" in status
    assert AuditEntry.objects.filter(channel="cli", tag="marking:campaign:allocated").exists()


def test_refused_log_rows_make_the_command_fail(agencies, tmp_path):
    code = run(
        "create", "--agency", "PA", "--name", "x", "--purpose", "post_seizure", "--format", "X"
    ).strip()
    log = tmp_path / "log.csv"
    log.write_text("mark_text,result\nNOPE,done\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("complete", code, str(log))


def test_an_unknown_campaign_or_agency_is_an_error(agencies):
    with pytest.raises(CommandError):
        run("status", "MC-0000-9999")
    with pytest.raises(CommandError):
        run(
            "create", "--agency", "ZZZ", "--name", "x", "--purpose", "post_seizure", "--format", "X"
        )
