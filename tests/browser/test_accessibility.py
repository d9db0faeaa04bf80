"""WCAG 2.1 A and AA rules checked by axe-core in Chromium on the main pages, in English and
in Arabic (right to left): labels, contrast, landmarks, names of controls, language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import choose_language, page_language, sign_in
from tests.browser.i18n import Language

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGES = {
    "registrar": ["/weapons/", "/weapons/new/", "/marking/campaigns/new/", "/quality/"],
    "investigator.nairobi": ["/search/?serial=A1&purpose=CASE-1", "/tracing/new/", "/identify/"],
}


def _violations(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_main_pages_pass_the_wcag_aa_rules(page, site, language):
    chosen = Language(language)
    page.goto(f"{site.url}/login/")
    if page_language(page) != chosen:
        choose_language(page, chosen)
    found = {"/login/": _violations(page)}
    for username, paths in PAGES.items():
        page.context.clear_cookies(name="sessionid")
        sign_in(page, site, username, chosen)
        for path in paths:
            page.goto(site.url + path)
            found[path] = _violations(page)
        if username == "registrar":
            page.goto(site.url + "/weapons/")
            page.locator("table tbody tr th a").first.click()
            page.wait_for_url(re.compile(r"/weapons/[0-9a-f-]{36}/"))
            found["weapon page"] = _violations(page)
    assert {path: v for path, v in found.items() if v} == {}
