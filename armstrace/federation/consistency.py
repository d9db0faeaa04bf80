"""The consistency check between two registries of one state (issue 8 item 7, R8): a
weapon held by both with a conflicting identity or status.

The peer's identity rows are walked page by page (`registry.extract`, a cursor on its
weapon ids); for each page our weapons with the page's canonical serials are read in one
query (the search index's primary rows), and a pair is a weapon of each registry with the
same canonical serial and the same manufacturer (the reference data's key when resolved,
else the normalised name). Memory holds one page at a time, whatever the registries' size.

Rules (pure functions below): a pair whose model, calibre or type differ (both given,
compared normalised) is an identity conflict; a pair whose statuses are incompatible is a
status conflict (STATUS_CLASSES: gone, missing and held exclude each other).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import normalise_name
from armstrace.federation import messages, query
from armstrace.federation.choices import ConsistencyStatus, FindingKind
from armstrace.federation.existence import maker_key
from armstrace.federation.models import ConsistencyFinding, ConsistencyRun, Peer
from armstrace.search.models import EntrySource, SerialEntry

PAGE = 1000
PURPOSE = "consistency check"

# --- the rules -------------------------------------------------------------------------------

GONE, MISSING, HELD = "gone", "missing", "held"
STATUS_CLASSES = {
    "destroyed": GONE,
    "deactivated": GONE,
    "lost": MISSING,
    "stolen": MISSING,
    "manufactured": HELD,
    "in_stock": HELD,
    "civilian": HELD,
    "state_holding": HELD,
    "issued": HELD,
    "in_transit": HELD,
    "found": HELD,
    "seized": HELD,
    "surrendered": HELD,
    "recovered": HELD,
}  # exported and unknown conflict with nothing: the registry does not know where it is
IDENTITY = ("model", "calibre", "weapon_type")


def status_conflict(ours: str, theirs: str) -> bool:
    """Destroyed or deactivated in one and existing in the other; lost or stolen in one
    and held in the other."""
    a, b = STATUS_CLASSES.get(ours), STATUS_CLASSES.get(theirs)
    return a is not None and b is not None and a != b


def _same(a: str, b: str) -> bool:
    a, b = normalise_name(a or ""), normalise_name(b or "")
    return not a or not b or a == b  # a value one registry lacks contradicts nothing


def identity_differences(ours: dict[str, str], theirs: dict[str, str]) -> list[str]:
    return [name for name in IDENTITY if not _same(ours[name], theirs[name])]


def manufacturer_key(key: str, name: str) -> str:
    return key or (maker_key(name) if name.strip() else "")


# --- the walk ----------------------------------------------------------------------------------

LOCAL_FIELDS = (
    "weapon_id", "canon", "maker__key", "weapon__manufacturer_name", "weapon__serial_number",
    "weapon__model", "weapon__calibre", "weapon__calibre_ref__name", "weapon__weapon_type",
    "weapon__status",
)  # fmt: skip


def _ours(rows: list[messages.IdentityRow]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Our weapons bearing the page's canonical serials, by (manufacturer, serial): one query."""
    canons = sorted({row.canonical_serial for row in rows if row.canonical_serial})
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    entries = SerialEntry.objects.filter(source=EntrySource.PRIMARY, canon__in=canons)
    for entry in entries.values(*LOCAL_FIELDS).order_by("weapon_id"):
        weapon = {
            "weapon_id": entry["weapon_id"],
            "serial": entry["weapon__serial_number"],
            "manufacturer": entry["weapon__manufacturer_name"],
            "model": entry["weapon__model"],
            "calibre": entry["weapon__calibre_ref__name"] or entry["weapon__calibre"],
            "weapon_type": entry["weapon__weapon_type"],
            "status": entry["weapon__status"],
        }
        key = manufacturer_key(entry["maker__key"] or "", entry["weapon__manufacturer_name"])
        found[(key, entry["canon"])].append(weapon)
    return found


def _values(weapon: dict[str, Any], names: list[str]) -> dict[str, str]:
    return {name: str(weapon[name]) for name in ["serial", "manufacturer", *names]}


def compare_page(run: ConsistencyRun, rows: list[messages.IdentityRow]) -> int:
    """Findings for one page of the peer's rows; the number of pairs compared."""
    ours = _ours(rows)
    findings, pairs = [], 0
    for row in rows:
        theirs = row.model_dump()
        key = manufacturer_key(row.maker, row.manufacturer)
        for weapon in ours.get((key, row.canonical_serial), []):
            pairs += 1
            differing = identity_differences(weapon, theirs)
            if differing:
                findings.append(_finding(run, weapon, row, FindingKind.IDENTITY, differing))
            if status_conflict(weapon["status"], row.status):
                findings.append(_finding(run, weapon, row, FindingKind.STATUS, ["status"]))
    ConsistencyFinding.objects.bulk_create(findings)
    run.identity_conflicts += sum(f.kind == FindingKind.IDENTITY for f in findings)
    run.status_conflicts += sum(f.kind == FindingKind.STATUS for f in findings)
    return pairs


def _finding(
    run: ConsistencyRun,
    weapon: dict[str, Any],
    row: messages.IdentityRow,
    kind: str,
    names: list[str],
) -> ConsistencyFinding:
    return ConsistencyFinding(
        run=run,
        weapon_id=weapon["weapon_id"],
        peer_weapon_ref=row.weapon_ref,
        kind=kind,
        fields=names,
        local=_values(weapon, names),
        remote=_values(row.model_dump(), names),
    )


def run_check(*, actor: User, peer: Peer, page_size: int = PAGE) -> ConsistencyRun:
    """Walk the peer's registry and record the conflicts; the run is audited, and kept
    (status failed, with the reason) when the peer stops answering part way."""
    if peer not in query.domestic_peers():
        raise DomainValidationError("peer", _("not an active registry of this state"))
    page_size = max(1, min(page_size, messages.MAX_EXTRACT_PAGE))
    with transaction.atomic():
        run = ConsistencyRun.objects.create(
            peer=peer, started_by=actor, started_at=clock.now(), status=ConsistencyStatus.RUNNING
        )
        record_event(
            "federation:consistency:started",
            object_type="federation.consistencyrun",
            object_id=str(run.pk),
            data={"peer": peer.node_id},
        )
    after = ""
    try:
        while True:
            body = messages.RegistryExtractBody(
                after=after, limit=page_size, purpose=PURPOSE, user=actor.get_username()
            )
            page = query.ask(peer, "registry.extract", body)
            assert isinstance(page, messages.RegistryExtractResultBody)
            with transaction.atomic():
                run.pairs += compare_page(run, page.rows)
                run.pages += 1
                run.peer_rows += len(page.rows)
                run.save()
            if not page.next_after or not page.rows:
                break
            after = page.next_after
        run.status = ConsistencyStatus.DONE
    except query.QueryFailed as exc:
        run.status, run.error = ConsistencyStatus.FAILED, f"{exc.code}: {exc.reason}"[:2000]
    run.finished_at = clock.now()
    with transaction.atomic():
        run.save()
        record_event(
            f"federation:consistency:{run.status}",
            object_type="federation.consistencyrun",
            object_id=str(run.pk),
            data={
                "peer": peer.node_id,
                "pages": run.pages,
                "peer_rows": run.peer_rows,
                "pairs": run.pairs,
                "identity_conflicts": run.identity_conflicts,
                "status_conflicts": run.status_conflicts,
                "error": run.error,
            },
        )
    return run
