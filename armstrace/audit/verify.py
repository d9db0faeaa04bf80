"""Walks the chain and reports every altered, inserted or removed entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from armstrace.audit.chain import CHAINED_FIELDS, GENESIS, entry_hash
from armstrace.audit.models import AuditEntry, ChainHead


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(batch: int = 5000) -> Iterator[AuditEntry]:
    last = -1
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain() -> VerifyReport:
    report = VerifyReport()
    prev_hash, prev_seq = GENESIS, 0
    for entry in _entries():
        report.checked += 1
        payload = {name: getattr(entry, name) for name in CHAINED_FIELDS}
        payload["created_at"] = entry.created_at.isoformat()
        if entry.seq != prev_seq + 1:
            report.problems.append(
                f"entry #{entry.seq}: sequence jumps from #{prev_seq} (entries removed or inserted)"
            )
        if entry.prev_hash != prev_hash:
            report.problems.append(
                f"entry #{entry.seq}: does not link to the entry before it (inserted or reordered)"
            )
        if entry_hash(entry.prev_hash, payload) != entry.hash:
            report.problems.append(f"entry #{entry.seq}: content altered (hash mismatch)")
        prev_hash, prev_seq = entry.hash, entry.seq
    head = ChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (prev_seq, prev_hash):
        report.problems.append(
            f"chain ends at #{prev_seq} but the head records #{head_seq}: "
            "entries removed at the end or head altered"
        )
    return report
