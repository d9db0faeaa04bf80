"""Pages of long lists without counting millions of rows."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class CappedPaginator(Paginator[Any]):
    """Counts at most `cap` rows: an exact count over 10,000,000 weapons takes about a second
    on every page view. Past the cap the list says "more than" and offers the pages up to
    it; a filter narrows the rest."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        object_list: Any = self.object_list
        if not hasattr(object_list, "order_by"):
            return len(object_list)
        # No ordering: any cap + 1 rows will do, so no sort runs before the limit.
        return int(object_list.order_by()[: self.cap + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > self.cap
