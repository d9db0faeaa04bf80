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


def test_a_registrar_registers_a_newly_manufactured_weapon(page, site):
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


def test_a_registrar_runs_a_marking_campaign_from_the_web_pages(page, site, tmp_path):
    sign_in(page, site, "registrar")
    page.goto(f"{site.url}/marking/campaigns/new/")
    page.get_by_label("Name", exact=True).fill("Central armoury 2026")
    page.get_by_label("Purpose", exact=True).select_option("state_ownership")
    page.get_by_label("Mark format (text before the sequence number)").fill("{country}-CA-{yy}-")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/marking/campaigns/\d+/$"))
    units = page.get_by_label("Weapons held by the state unit")
    label = next(o for o in units.locator("option").all_inner_texts() if "Central Armoury" in o)
    units.select_option(label=label)
    with page.expect_navigation():
        page.get_by_role("button", name="Add to the campaign").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Allocate marks").click()
    with page.expect_download() as job:
        page.get_by_role("link", name=re.compile("Job file")).click()
    lines = job.value.path().read_text(encoding="utf-8-sig").splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    assert header[:5] == ["campaign", "weapon_id", "serial", "component", "mark_text"]
    mark = first[header.index("mark_text")]
    assert re.fullmatch(r"KE-CA-\d\d-\d{6}", mark), mark
    log = tmp_path / "machine-log.csv"
    log.write_text(f"mark_text,result,timestamp\n{mark},done,2026-11-27T10:00:00\n")
    log_form = page.locator("form[action$='/log/']")
    log_form.locator("input[type=file]").set_input_files(str(log))
    with page.expect_navigation():
        log_form.get_by_role("button", name="Import completion").click()
    text = page.locator("main").inner_text()
    assert "1 of 30 weapons marked" in text or re.search(r"1 of \d+ weapons marked", text), text[
        :900
    ]
    screenshot(page, "campaign", full_page=True)


def test_an_investigator_files_a_trace_request_and_is_told_what_para_17_lacks(page, site):
    sign_in(page, site, "investigator.nairobi")
    serial, _misread = _a_serial_with_a_look_alike(page, site)
    page.goto(f"{site.url}/tracing/new/")
    direction = page.get_by_label("Direction", exact=True)
    if direction.count():  # an investigator may only file domestic requests: no choice then
        direction.select_option("domestic")
    page.get_by_label("Serial as read", exact=True).fill(serial)
    with page.expect_navigation():
        page.get_by_role("button", name="File request").click()
    refused = page.locator(".field--error").all_inner_texts()  # each field with its reason
    for missing in ("Why illicit", "Intended use of the information", "Calibre"):
        assert any(missing in field for field in refused), refused
    page.get_by_label("Channel", exact=True).select_option("domestic")
    page.get_by_label("Case reference", exact=True).fill("NRB-CID-2026-0117")
    page.get_by_label("Officer", exact=True).fill("Insp. A. Wanjiru")
    page.get_by_label("Officer's e-mail", exact=True).fill("a.wanjiru@police.example")
    page.get_by_label("All markings as read", exact=True).fill(f"{serial} on the frame")
    page.get_by_label("Type", exact=True).select_option("pistol")
    page.get_by_label("Calibre", exact=True).fill("9x19")
    page.get_by_label("(a) Illicit under the law of the state where found").check()
    page.get_by_label("Legal justification", exact=True).fill("Penal Code s. 89: unlicensed")
    page.get_by_label("Date found", exact=True).fill("2026-11-20")
    page.get_by_label("Place found", exact=True).fill("Nairobi, Kibera")
    page.get_by_label("Found how", exact=True).select_option("seized")
    page.get_by_label("Intended use of the information", exact=True).fill("Prosecution")
    page.get_by_label("Confidentiality", exact=True).select_option(index=1)
    page.get_by_label("Use restrictions", exact=True).fill("Law enforcement use only")
    screenshot(page, "trace-request", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="File request").click()
    heading = page.locator("h1").inner_text()
    errors = page.locator(".errorlist").all_inner_texts()
    assert re.fullmatch(r"Trace request [A-Z]{2}-\d{4}-\d{6}", heading), errors
