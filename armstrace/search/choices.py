"""How a candidate's serial matches the query, in words (the API keeps the codes)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MATCH_LABELS: dict[str, str | Promise] = {
    "exact": _("Exact"),
    "equivalent": _("Equivalent"),
    "partial": _("Partial"),
    "fuzzy": _("Fuzzy"),
}
