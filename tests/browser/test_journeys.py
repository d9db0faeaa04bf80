"""Each persona's main journey, in Chromium, against a served demo (issue 10, started).

The pictures taken on the way are the README tour's (docs/screenshots/).
"""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Site, screenshot, sign_in

CONFUSABLE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}


def _a_serial_with_a_look_alike(page: Any, site: Site) -> tuple[str, str]:
    """A registered serial holding a digit often misread, and the same serial misread."""
    page.goto(f"{site.url}/weapons/")
    for cell in page.locator("table tbody tr th").all_inner_texts():
        serial = cell.strip()
        for digit, letter in CONFUSABLE.items():
            if digit in serial:
                return serial, serial.replace(digit, letter, 1)
    raise AssertionError("no demo serial holds a digit of the confusable table")


def test_an_investigator_finds_a_weapon_from_a_misread_serial_and_sees_why(page, site):
    sign_in(page, site, "investigator.nairobi")
    serial, misread = _a_serial_with_a_look_alike(page, site)
    page.goto(f"{site.url}/search/")
    page.get_by_label("Serial number").fill(misread)
    page.get_by_label("Case number or purpose").fill("CASE-2026/17")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#search-results")
    results.get_by_text(serial).first.wait_for()
    assert re.search(r"equal after .→.", results.inner_text())
    screenshot(page, "search", full_page=True)
    results.get_by_role("link", name=serial).first.click()
    page.wait_for_url(re.compile(r"/weapons/[0-9a-f-]{36}/"))
    assert serial in page.locator("h1").inner_text()
    screenshot(page, "weapon")


def test_a_registrar_registers_a_weapon_and_records_its_sale(page, site):
    sign_in(page, site, "registrar")
    page.goto(f"{site.url}/weapons/new/")
    page.get_by_label("Serial number as marked", exact=True).fill("BRW-2026-0042")
    page.get_by_label("Manufacturer as written", exact=True).fill("Glock")
    page.get_by_label("Model", exact=True).fill("17")
    page.get_by_label("Type", exact=True).select_option("pistol")
    page.get_by_label("Event", exact=True).select_option("manufactured")
    page.get_by_label("Date", exact=True).fill("2026-01-15")
    screenshot(page, "register")
    page.get_by_role("button", name=re.compile("Register")).click()
    page.wait_for_url(re.compile(r"/weapons/[0-9a-f-]{36}/"))
    assert "BRW-2026-0042" in page.locator("h1").inner_text()
    assert "Manufactured" in page.locator("main").inner_text()


def test_every_persona_lands_on_pages_it_may_use_and_sees_its_menu(page, site):
    expected = {
        "registrar": ["Weapons", "Register a weapon", "Imports", "Marking campaigns"],
        "investigator.nairobi": ["Weapons", "Search", "Trace requests"],
        "poc": ["Trace requests", "Overdue traces"],
        "auditor": ["Data quality"],
    }
    for username, items in expected.items():
        page.context.clear_cookies()
        sign_in(page, site, username)
        menu = page.locator("header nav").inner_text()
        for item in items:
            assert item in menu, (username, item, menu)
