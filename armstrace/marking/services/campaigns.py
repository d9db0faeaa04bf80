"""Marking campaigns (ITI 8(c), 8(d), 9): select weapons, allocate unique marks, record results.

Marks are `stem + zero-padded sequence`. The stem comes from the campaign's mark format
(placeholders below); each stem has a counter row. Allocation locks that row with SELECT ...
FOR UPDATE and holds the lock until its transaction commits, so two campaigns allocating
under one stem at the same time are served one after the other and never take the same
number. The unique constraint on CampaignItem.mark_norm is the last guard: whatever happens,
the database refuses the same mark twice, in any campaign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from armstrace.accounts.models import Agency
from armstrace.audit.services import record_change, record_event, snapshot
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.safefiles import write_csv
from armstrace.core.text import has_control_characters, normalise_serial
from armstrace.intake.readers import ImportFileError, RowError, open_table
from armstrace.marking import selectors
from armstrace.marking.choices import (
    PURPOSE_ROLE,
    RESULTS,
    CampaignPurpose,
    CampaignStatus,
    FindOutcome,
    ItemStatus,
    Route,
)
from armstrace.marking.models import Campaign, CampaignItem, CollectionItem, MarkCounter
from armstrace.marking.services import found
from armstrace.registry.choices import ComponentType, MarkMethod, PartyKind, Status
from armstrace.registry.models import Mark, Party, Weapon
from armstrace.registry.services import MarkInput, add_mark

PLACEHOLDERS = frozenset({"country", "unit", "agency", "yy", "year"})
STEM_CHARACTERS = frozenset(string.ascii_uppercase + string.digits + "-/. ")
MAX_WIDTH = 12
CHUNK = 1000  # rows per query when checking or writing marks in bulk
OPEN = (CampaignStatus.DRAFT, CampaignStatus.ALLOCATED, CampaignStatus.IN_PROGRESS)
JOB_HEADER = ("campaign", "weapon_id", "serial", "component", "mark_text", "location")
LOG_FIELDS = ("weapon_id", "mark_text", "result", "timestamp", "note")
# What marking machines write for each result.
RESULT_WORDS = {
    ItemStatus.DONE: {"done", "ok", "success", "marked", "pass", "passed"},
    ItemStatus.FAILED: {"failed", "fail", "error", "ko", "rejected"},
    ItemStatus.REDO: {"redo", "retry", "to redo", "again"},
}


# --- creating a campaign ---------------------------------------------------------------


def check_template(template: str) -> str:
    """The mark format: literal text and known placeholders, nothing else."""
    template = template.strip()
    if not template or has_control_characters(template) or len(template) > 80:
        raise DomainValidationError("mark_template", _("give a format of 1 to 80 characters"))
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:  # a brace not closed, or not opened
        raise DomainValidationError(
            "mark_template",
            _("a { or } is not matched; write placeholders as {country}"),
            code="bad_format",
        ) from None
    for literal, name, spec, conversion in parts:
        if set(literal.upper()) - STEM_CHARACTERS:
            raise DomainValidationError(
                "mark_template",
                _("use only letters A-Z, digits, spaces and - / . outside the placeholders"),
                code="bad_format",
            )
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            raise DomainValidationError(
                "mark_template",
                _("unknown placeholder {%(name)s}; known: %(known)s")
                % {"name": name, "known": ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))},
                code="bad_format",
            )
    return template


def create_campaign(
    *,
    agency: Agency,
    name: str,
    purpose: str,
    mark_template: str,
    sequence_width: int = 6,
    component: str = "",
    location: str = "",
    method: str = "",
    notes: str = "",
) -> Campaign:
    if purpose not in CampaignPurpose.values:
        raise DomainValidationError("purpose", _("unknown purpose %(p)r") % {"p": purpose})
    if not 1 <= sequence_width <= MAX_WIDTH:
        raise DomainValidationError(
            "sequence_width", _("must be between 1 and %(max)d") % {"max": MAX_WIDTH}
        )
    if component and component not in ComponentType.values:
        raise DomainValidationError("component", _("unknown component %(c)r") % {"c": component})
    if method and method not in MarkMethod.values:
        raise DomainValidationError("method", _("unknown method %(m)r") % {"m": method})
    name = name.strip()
    if not name or len(name) > 200 or has_control_characters(name):
        raise DomainValidationError("name", _("give a name of 1 to 200 characters"))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            code=uuid.uuid4().hex,  # replaced below by one built from the row's id
            name=name,
            purpose=purpose,
            agency=agency,
            mark_template=check_template(mark_template),
            sequence_width=sequence_width,
            component=component,
            location=location.strip()[:120],
            method=method,
            notes=notes.strip(),
            created_by_name=current_context().actor_name,
        )
        campaign.code = f"MC-{clock.today().year}-{campaign.pk:04d}"
        campaign.save(update_fields=["code"])
        record_change(campaign, action="created", before=None)
    return campaign


def _set_status(campaign: Campaign, status: CampaignStatus) -> None:
    if campaign.status == status:
        return
    before = snapshot(campaign)
    campaign.status = status
    campaign.save(update_fields=["status"])
    record_change(campaign, action="updated", before=before)


def _locked_open(campaign: Campaign, *, reopen: bool = False) -> Campaign:
    locked = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=campaign.pk)
    )
    if locked.status == CampaignStatus.COMPLETED and reopen:
        _set_status(locked, CampaignStatus.IN_PROGRESS)  # late additions reopen it
    if locked.status not in OPEN:
        raise DomainValidationError(
            "campaign",
            _("campaign %(code)s is %(status)s") % {"code": locked.code, "status": locked.status},
            code="closed",
        )
    return locked


# --- selecting weapons -----------------------------------------------------------------


@dataclass
class Selection:
    added: int = 0
    already: int = 0
    not_found: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "<identifier>: <reason>"


def reachable(campaign: Campaign) -> QuerySet[Weapon]:
    """Weapons a campaign may mark: its agency's own, or every agency's for national scope."""
    weapons = Weapon.objects.exclude(status=Status.DESTROYED)
    if campaign.agency.national_scope:
        return weapons
    return weapons.filter(agency_id=campaign.agency_id)


def select_weapons(
    campaign: Campaign,
    *,
    unit: Party | None = None,
    agency_code: str = "",
    identifiers: Sequence[str] = (),
    reason: str = "",
) -> Selection:
    """Add weapons held by a state unit, held by an agency (depot), or listed by id or serial."""
    if unit is not None and unit.kind != PartyKind.STATE_UNIT:
        raise DomainValidationError("unit", _("is not a state unit"), code="wrong_party")
    report = Selection()
    pool = reachable(campaign)
    chosen: list[Weapon] = []
    if unit is not None:
        chosen += list(pool.filter(holder=unit))
    if agency_code:
        chosen += list(pool.filter(agency__code=agency_code.strip()))
    if identifiers:
        chosen += _listed(pool, identifiers, report)
    if unit is None and not agency_code.strip() and not identifiers:
        raise DomainValidationError(
            "selection", _("choose a unit, an agency or a list of weapons"), code="required"
        )
    added, already = _add(campaign, chosen, reason or _("selected"))
    report.added, report.already = added, already
    return report


def _listed(pool: QuerySet[Weapon], identifiers: Sequence[str], report: Selection) -> list[Weapon]:
    """Each line a weapon id or a serial; a serial shared by several weapons is refused."""
    chosen = []
    for raw in dict.fromkeys(i.strip() for i in identifiers if i.strip()):
        try:
            matches = list(pool.filter(pk=uuid.UUID(raw)))
        except ValueError:
            matches = list(pool.filter(serial_norm=normalise_serial(raw))[:2])
        if not matches:
            report.not_found.append(raw)
        elif len(matches) > 1:
            report.refused.append(
                _("%(id)s: several weapons have this serial; give the weapon id") % {"id": raw}
            )
        else:
            chosen.append(matches[0])
    return chosen


def _add(campaign: Campaign, weapons: Iterable[Weapon], reason: str) -> tuple[int, int]:
    with transaction.atomic():
        wanted = {w.pk: w for w in weapons}
        locked = _locked_open(campaign, reopen=bool(wanted))
        present = set(
            locked.items.filter(weapon_id__in=list(wanted)).values_list("weapon_id", flat=True)
        )
        new = [
            CampaignItem(campaign=locked, weapon_id=pk, reason=reason[:300])
            for pk in wanted
            if pk not in present
        ]
        CampaignItem.objects.bulk_create(new, batch_size=CHUNK)
        if new:
            record_event(
                "marking:campaign:selected",
                object_type="marking.campaign",
                object_id=str(locked.pk),
                data={"added": len(new), "reason": reason[:300]},
            )
    campaign.status = locked.status
    return len(new), len(present)


def add_to_campaign(
    campaign: Campaign, weapon_ids: Iterable[uuid.UUID | str], *, reason: str
) -> int:
    """Add weapons (e.g. found badly marked) to an open campaign; returns how many were new.
    Weapons the campaign may not mark (other agency, destroyed) are refused."""
    ids = [uuid.UUID(str(i)) for i in weapon_ids]
    weapons = list(reachable(campaign).filter(pk__in=ids))
    if len(weapons) != len(set(ids)):
        raise DomainValidationError(
            "weapon_ids",
            _("%(n)d weapon(s) are unknown, destroyed or outside the campaign's agency")
            % {"n": len(set(ids)) - len(weapons)},
            code="out_of_scope",
        )
    if not reason.strip():
        raise DomainValidationError("reason", _("is required"), code="required")
    return _add(campaign, weapons, reason.strip())[0]


def send_to_marking(items: Sequence[CollectionItem], campaign: Campaign, *, reason: str) -> int:
    """Route collected weapons to a campaign; returns how many joined it."""
    routable = [i for i in items if i.weapon_id is not None and i.route == Route.PENDING]
    with transaction.atomic():
        added = add_to_campaign(
            campaign, [i.weapon_id for i in routable if i.weapon_id], reason=reason
        )
        CollectionItem.objects.filter(pk__in=[i.pk for i in routable]).update(route=Route.MARKING)
    return added


# --- allocating marks ------------------------------------------------------------------


def stem_for(campaign: Campaign, weapon: Weapon, *, year: int) -> str:
    """The campaign's format filled in for one weapon. {unit} is the holding unit's code
    (its licence or registration number), or U + its id when it has none."""
    holder = weapon.holder
    unit = ""
    if holder is not None and holder.kind == PartyKind.STATE_UNIT:
        unit = holder.licence_number or f"U{holder.pk}"
    values = {
        "country": campaign.agency.country,
        "agency": weapon.agency.code,
        "unit": unit,
        "year": f"{year:04d}",
        "yy": f"{year % 100:02d}",
    }
    return campaign.mark_template.format(**values).upper()


def _taken(norms: list[str]) -> set[str]:
    """Of these normalised marks, those already allocated or already on a weapon."""
    taken: set[str] = set()
    for start in range(0, len(norms), CHUNK):
        chunk = norms[start : start + CHUNK]
        taken.update(
            CampaignItem.objects.filter(mark_norm__in=chunk).values_list("mark_norm", flat=True)
        )
        taken.update(Mark.objects.filter(text_norm__in=chunk).values_list("text_norm", flat=True))
    return taken


def reserve_marks(stem: str, width: int, count: int) -> list[str]:
    """`count` marks under `stem`, never handed out before. Locks the stem's counter row
    until the caller's transaction ends (a transaction of its own if there is none)."""
    with transaction.atomic():
        counter, _created = MarkCounter.objects.select_for_update().get_or_create(stem=stem)
        marks: list[str] = []
        value = counter.last_value
        while len(marks) < count:
            need = count - len(marks)
            batch = [f"{stem}{n:0{width}d}" for n in range(value + 1, value + 1 + need)]
            if len(batch[-1]) - len(stem) > width:
                raise DomainValidationError(
                    "sequence_width",
                    _("the %(w)d-digit sequence under %(stem)r is used up")
                    % {"w": width, "stem": stem},
                    code="exhausted",
                )
            taken = _taken([normalise_serial(m) for m in batch])
            marks += [m for m in batch if normalise_serial(m) not in taken]
            value += need
        MarkCounter.objects.filter(pk=counter.pk).update(last_value=value)
    return marks


def allocate(campaign: Campaign) -> int:
    """Give each selected weapon its mark; returns how many marks were allocated."""
    year = clock.today().year
    try:
        with transaction.atomic():
            locked = _locked_open(campaign)
            items = list(
                locked.items.filter(status=ItemStatus.SELECTED)
                .select_related("weapon__holder", "weapon__agency")
                .order_by("id")
            )
            by_stem: dict[str, list[CampaignItem]] = defaultdict(list)
            for item in items:
                by_stem[stem_for(locked, item.weapon, year=year)].append(item)
            for stem in sorted(by_stem):  # one order for every allocator: no deadlock
                group = by_stem[stem]
                for item, mark in zip(
                    group, reserve_marks(stem, locked.sequence_width, len(group)), strict=True
                ):
                    item.mark_text, item.mark_norm = mark, normalise_serial(mark)
                    item.status = ItemStatus.ALLOCATED
            CampaignItem.objects.bulk_update(
                items, ["mark_text", "mark_norm", "status"], batch_size=CHUNK
            )
            if items:
                _set_status(
                    locked, max(CampaignStatus(locked.status), CampaignStatus.ALLOCATED, key=_rank)
                )
                record_event(
                    "marking:campaign:allocated",
                    object_type="marking.campaign",
                    object_id=str(locked.pk),
                    data={"count": len(items), "stems": sorted(by_stem)},
                )
    except IntegrityError as exc:  # a mark taken meanwhile outside the counters
        raise DomainValidationError(
            "campaign", _("a mark was taken meanwhile; allocate again"), code="collision"
        ) from exc
    campaign.status = locked.status
    return len(items)


def _rank(status: CampaignStatus) -> int:
    return list(CampaignStatus).index(status)


# --- the job file ----------------------------------------------------------------------


def export_job(campaign: Campaign, path: Path) -> int:
    """Write the marking machines' job file (CSV); returns the number of weapons in it."""
    count = write_csv(path, JOB_HEADER, selectors.job_rows(campaign))
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    record_event(
        "marking:campaign:exported",
        object_type="marking.campaign",
        object_id=str(campaign.pk),
        data={"rows": count, "sha256": digest, "format": "csv"},
    )
    return count


# --- results ---------------------------------------------------------------------------


def record_result(
    item: CampaignItem, *, result: str, at: dt.datetime | None = None, note: str = ""
) -> CampaignItem:
    """Done, failed or to redo for one weapon. Done records the mark on the weapon through
    the registry (audited) and closes an open find of that weapon as marked."""
    if result not in RESULTS:
        raise DomainValidationError("result", _("must be done, failed or redo"), code="bad_result")
    at = at or clock.now()
    if at > clock.now():
        raise DomainValidationError("timestamp", _("is in the future"), code="future_date")
    with transaction.atomic():
        locked = (
            CampaignItem.objects.select_for_update(of=("self",))
            .select_related("weapon")
            .get(pk=item.pk)
        )
        if locked.status == ItemStatus.DONE:
            if result == ItemStatus.DONE:
                return locked  # a machine log read twice changes nothing
            raise DomainValidationError("result", _("the weapon is already marked"), code="done")
        campaign = _locked_open(locked.campaign)
        if locked.status == ItemStatus.SELECTED:
            raise DomainValidationError("result", _("no mark was allocated yet"), code="no_mark")
        before = snapshot(locked)
        if result == ItemStatus.DONE:
            locked.mark = _record_mark(campaign, locked, at.date())
            found.close_finds([locked.weapon_id], outcome=FindOutcome.MARKED, on=at.date())
        locked.status, locked.result_at, locked.result_note = result, at, note.strip()[:300]
        locked.save(update_fields=["status", "result_at", "result_note", "mark"])
        record_change(locked, action="updated", before=before)
        _set_status(campaign, _campaign_status_after(campaign))
    return locked


def _record_mark(campaign: Campaign, item: CampaignItem, day: dt.date) -> Mark:
    weapon = item.weapon
    has_part = (
        bool(campaign.component)
        and weapon.components.filter(
            component_type=campaign.component, removed_on__isnull=True
        ).exists()
    )
    location = campaign.location
    if campaign.component and not has_part:
        location = f"{ComponentType(campaign.component).label} {location}".strip()
    return add_mark(
        weapon=weapon,
        data=MarkInput(
            role=PURPOSE_ROLE[CampaignPurpose(campaign.purpose)],
            text=item.mark_text,
            method=campaign.method,
            location=location[:120],
            date_applied=day,
            component_type=campaign.component if has_part else "",
        ),
    )


def _campaign_status_after(campaign: Campaign) -> CampaignStatus:
    pending = campaign.items.exclude(status=ItemStatus.DONE).exists()
    return CampaignStatus.IN_PROGRESS if pending else CampaignStatus.COMPLETED


@dataclass
class LogReport:
    counts: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in RESULTS})
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)


def parse_result(text: str) -> ItemStatus | None:
    word = " ".join(text.casefold().replace("_", " ").split())
    return next((status for status, words in RESULT_WORDS.items() if word in words), None)


def parse_timestamp(text: str) -> dt.datetime | None:
    """ISO 8601 date or date-time; a naive time is read in the server's time zone."""
    if not text.strip():
        return None
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        from django.utils import timezone

        value = timezone.make_aware(value)
    return value


def import_machine_log(campaign: Campaign, path: Path) -> LogReport:
    """Read a marking machine's log back in: one row per weapon (id or mark text), result,
    timestamp. Each row is applied on its own; refused rows are reported with a reason."""
    report = LogReport()
    try:
        table = open_table(path, fields=LOG_FIELDS, required=("result",))
    except ImportFileError as exc:
        raise DomainValidationError("file", str(exc), code="unreadable") from exc
    with table:
        for row in table.rows():
            if isinstance(row, RowError):
                report.rejected.append(row)
                continue
            problem = _apply_log_row(campaign, row.values, report)
            if problem:
                report.rejected.append(RowError(row.number, "", problem))
    record_event(
        "marking:campaign:log_imported",
        object_type="marking.campaign",
        object_id=str(campaign.pk),
        data={**report.counts, "unchanged": report.unchanged, "rejected": len(report.rejected)},
    )
    return report


def _apply_log_row(campaign: Campaign, values: dict[str, str], report: LogReport) -> str:
    """Apply one row; returns why it was refused, or ''."""
    result = parse_result(values.get("result", ""))
    if result is None:
        return _("unknown result %(r)r; use done, failed or redo") % {"r": values.get("result")}
    item = _item_for(campaign, values.get("weapon_id", ""), values.get("mark_text", ""))
    if isinstance(item, str):
        return item
    try:
        at = parse_timestamp(values.get("timestamp", ""))
    except ValueError:
        return _("timestamp %(t)r is not an ISO date or date-time") % {"t": values["timestamp"]}
    was = item.status
    try:
        record_result(item, result=result, at=at, note=values.get("note", ""))
    except DomainValidationError as exc:
        return f"{exc.field}: {exc.message}"
    if was == result:
        report.unchanged += 1
    else:
        report.counts[result] += 1
    return ""


def _item_for(campaign: Campaign, weapon_id: str, mark_text: str) -> CampaignItem | str:
    items = campaign.items.all()
    if weapon_id.strip():
        try:
            item = items.filter(weapon_id=uuid.UUID(weapon_id.strip())).first()
        except ValueError:
            return _("weapon id %(id)r is not a UUID") % {"id": weapon_id}
    elif mark_text.strip():
        item = items.filter(mark_norm=normalise_serial(mark_text)).first()
    else:
        return _("give the weapon id or the mark text")
    if item is None:
        return _("no such weapon or mark in campaign %(code)s") % {"code": campaign.code}
    return item
