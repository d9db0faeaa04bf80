"""Pure policy: how needs and offers of assistance are ranked against each other, and the
words that explain each suggestion (mission A2: matching needs with resources).

A candidate of the same category ranks first by nearness (the same country, then the same
UN M49 sub-region, then the same region, then elsewhere: assistance from nearby is
cheaper to deliver and to sustain), then by how much of the need it covers (all of it,
part of it, unknown), then by coverage itself, then the oldest first (it has waited longest).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from armstrace.reporting.choices import AssistanceKind
from armstrace.reporting.models import AssistanceEntry
from armstrace.reporting.regions import REGIONS, sub_region_of

SAME_COUNTRY, SAME_SUB_REGION, SAME_REGION, ELSEWHERE = 3, 2, 1, 0


@dataclass(frozen=True)
class Suggestion:
    entry: AssistanceEntry  # the candidate of the other kind
    nearness: int
    coverage: float | None  # offered / needed; None when a side states no quantity
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


def nearness(a: str, b: str) -> int:
    if a == b:
        return SAME_COUNTRY
    sub_a, sub_b = sub_region_of(a), sub_region_of(b)
    if sub_a is None or sub_b is None:
        return ELSEWHERE
    if sub_a.code == sub_b.code:
        return SAME_SUB_REGION
    return SAME_REGION if sub_a.region == sub_b.region else ELSEWHERE


def coverage(needed: int | None, offered: int | None) -> float | None:
    if not needed or offered is None:
        return None
    return offered / needed


def need_and_offer(
    entry: AssistanceEntry, other: AssistanceEntry
) -> tuple[AssistanceEntry, AssistanceEntry]:
    return (entry, other) if entry.kind == AssistanceKind.NEED else (other, entry)


def suggest(entry: AssistanceEntry, other: AssistanceEntry) -> Suggestion:
    need, offer = need_and_offer(entry, other)
    near = nearness(need.country_id, offer.country_id)
    covered = coverage(need.quantity, offer.quantity)
    reasons = (
        _("Same category: %(category)s.") % {"category": need.get_category_display()},
        _place(need, offer, near),
        _quantity(need.quantity, offer.quantity, covered),
    )
    return Suggestion(other, near, covered, reasons)


def _place(need: AssistanceEntry, offer: AssistanceEntry, near: int) -> str:
    names = {"need": str(need.country), "offer": str(offer.country)}
    if near == SAME_COUNTRY:
        return _("The offer comes from the same country as the need (%(need)s).") % names
    sub = sub_region_of(need.country_id)
    if near == SAME_SUB_REGION and sub is not None:
        return _(
            "The offer comes from %(offer)s, in the same sub-region as %(need)s (%(sub)s)."
        ) % {
            **names,
            "sub": sub.name,
        }
    if near == SAME_REGION and sub is not None:
        return _("The offer comes from %(offer)s, in the same region as %(need)s (%(region)s).") % {
            **names,
            "region": REGIONS[sub.region],
        }
    return _("The offer comes from %(offer)s, outside the region of %(need)s.") % names


def _quantity(needed: int | None, offered: int | None, covered: float | None) -> str:
    numbers = {"needed": needed, "offered": offered}
    if covered is None:
        return _("The quantities cannot be compared: one side states none.")
    if covered >= 1:
        return _("The %(offered)d offered cover the %(needed)d needed.") % numbers
    return _("The %(offered)d offered cover %(percent)d %% of the %(needed)d needed.") % {
        **numbers,
        "percent": int(covered * 100),
    }


def _key(s: Suggestion) -> tuple[int, int, float, object, int]:
    tier = 2 if s.coverage is not None and s.coverage >= 1 else (1 if s.coverage else 0)
    return (-s.nearness, -tier, -min(s.coverage or 0.0, 1.0), s.entry.created_at, s.entry.pk)


def rank(entry: AssistanceEntry, candidates: list[AssistanceEntry]) -> list[Suggestion]:
    """Suggestions for `entry` among `candidates` (of the other kind, same category)."""
    return sorted((suggest(entry, other) for other in candidates), key=_key)
