"""A list's pager keeps the filters the user chose: page 2 of the sent notices is page 2
of the sent notices, not of every notice."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_shared_pager_keeps_the_filters() -> None:
    request = RequestFactory().get("/reporting/notices/", {"state": "sent", "page": "2"})
    page = Paginator(list(range(100)), 10).get_page(2)
    html = render_to_string("marking/campaigns/pages.html", {"page": page}, request=request)
    assert 'href="?state=sent&amp;page=1"' in html
    assert 'href="?state=sent&amp;page=3"' in html
