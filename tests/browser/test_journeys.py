"""Each persona's main journey, in Chromium, against a served demo, in English, Arabic and
Chinese (issue 10). Every label, button and message is looked up in the language of the run
(tests/browser/i18n.py); otherwise the checks hold in any language: serials, ids, URLs,
html[lang] and dir.

The pictures taken on the way are the README tour's (docs/screenshots/).
"""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Site, screenshot, sign_in
from tests.browser.i18n import CODES, Language

CONFUSABLE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}
WEAPON_URL = re.compile(r"/weapons/[0-9a-f-]{36}/$")
REQUEST_ID = r"[A-Z]{2}-\d{4}-\d{6}"


def _in_language(
    page: Any, language: Language, *, heading: bool = True, brand: str = "header .brand"
) -> None:
    """The page is in the language chosen: html[lang], the direction, the brand at the
    start edge; and, with heading, a main heading written in the language's own script."""
    html = page.locator("html")
    assert html.get_attribute("lang") == language.code
    assert (html.get_attribute("dir") == "rtl") == language.rtl
    if language.rtl:
        box = page.locator(brand).bounding_box()
        assert box["x"] > page.viewport_size["width"] / 2, box
    if heading:
        title = page.locator("h1").first.inner_text()
        assert language.written_in_its_script(title), (language.code, title)


def _picture(
    page: Any, language: Language, name: str, *, keep: tuple[str, ...] = ("en",), full: bool = False
) -> None:
    """A README picture in the languages kept: English under the plain name."""
    if language.code in keep:
        suffix = "" if language.code == "en" else f"-{language.code}"
        screenshot(page, f"{name}{suffix}", full_page=full)


def _serials(page: Any, site: Site) -> list[str]:
    page.goto(f"{site.url}/weapons/")
    return [cell.strip() for cell in page.locator("table tbody tr th").all_inner_texts()]


def _a_serial_with_a_look_alike(page: Any, site: Site) -> tuple[str, str]:
    """A registered serial holding a digit often misread, and the same serial misread."""
    for serial in _serials(page, site):
        for digit, letter in CONFUSABLE.items():
            if digit in serial:
                return serial, serial.replace(digit, letter, 1)
    raise AssertionError("no demo serial holds a digit of the confusable table")


def test_an_investigator_finds_a_weapon_from_a_misread_serial_and_sees_why(page, site, language):
    _ = language
    sign_in(page, site, "investigator.nairobi", language)
    serial, misread = _a_serial_with_a_look_alike(page, site)
    page.goto(f"{site.url}/search/")
    _in_language(page, language)
    form = page.get_by_role("search")
    form.get_by_label(_("Serial number as read"), exact=True).fill(misread)
    form.get_by_label(_("Case number or purpose"), exact=True).fill("CASE-2026/17")
    form.get_by_role("button", name=_("Search"), exact=True).click()
    results = page.locator("#search-results")
    results.get_by_role("link", name=serial).first.wait_for()
    why = _.pattern(
        "%(w)s %(v)s equal after %(c)s (characters often misread)",
        w=re.escape(_("serial")),
        v=re.escape(serial),
        c=".+",
    )
    assert why.search(results.inner_text()), results.inner_text()[:900]
    _picture(page, language, "search", keep=("en", "ar"), full=True)
    results.get_by_role("link", name=serial).first.click()
    page.wait_for_url(WEAPON_URL)
    assert serial in page.locator("h1").inner_text()
    _in_language(page, language, heading=False)  # the heading is the weapon's own name
    _picture(page, language, "weapon", keep=("en", "ar"))


def test_a_registrar_registers_a_newly_manufactured_weapon(page, site, language):
    _ = language
    serial = f"BRW-2026-{42 + CODES.index(language.code):04d}"
    sign_in(page, site, "registrar", language)
    page.goto(f"{site.url}/weapons/new/")
    _in_language(page, language)
    form = page.locator("main form")
    form.get_by_label(_("Serial number as marked"), exact=True).fill(serial)
    form.get_by_label(_("Manufacturer as written"), exact=True).fill("Glock")
    form.get_by_label(_("Model"), exact=True).fill("17")
    form.get_by_label(_("Type"), exact=True).select_option("pistol")
    form.get_by_label(_("Event"), exact=True).select_option("manufactured")
    form.get_by_label(_("Date"), exact=True).fill("2026-01-15")
    _picture(page, language, "register")
    with page.expect_navigation():
        form.get_by_role("button", name=_("Register weapon"), exact=True).click()
    assert WEAPON_URL.search(page.url), page.locator("main").inner_text()[:900]
    assert serial in page.locator("h1").inner_text()
    assert _("Manufactured") in page.locator("main").inner_text()


MENUS = {
    "registrar": ["Weapons", "Register a weapon", "Imports", "Marking campaigns"],
    "investigator.nairobi": ["Weapons", "Search", "Trace requests"],
    "poc": ["Trace requests", "Overdue traces"],
    "auditor": ["Data quality", "Misuse alerts"],
    "admin": ["Administration"],
}


def test_every_persona_lands_on_pages_it_may_use_and_sees_its_menu(page, site, language):
    for username, items in MENUS.items():
        page.context.clear_cookies()
        sign_in(page, site, username, language)
        _in_language(page, language)
        menu = page.locator("header nav")
        for item in items:
            link = menu.get_by_role("link", name=language(item), exact=True)
            assert link.count() == 1, (username, item, menu.inner_text())


def test_a_registrar_runs_a_marking_campaign_from_the_web_pages(page, site, language, tmp_path):
    _ = language
    sign_in(page, site, "registrar", language)
    page.goto(f"{site.url}/marking/campaigns/new/")
    _in_language(page, language)
    form = page.locator("main form")
    form.get_by_label(_("Name"), exact=True).fill(f"Central armoury 2026 ({language.code})")
    form.get_by_label(_("Purpose"), exact=True).select_option("state_ownership")
    form.get_by_label(_("Mark format (text before the sequence number)")).fill("{country}-CA-{yy}-")
    with page.expect_navigation():
        form.get_by_role("button", name=_("Create campaign"), exact=True).click()
    assert re.search(r"/marking/campaigns/\d+/$", page.url), page.url
    units = page.get_by_label(_("Weapons held by the state unit"))
    label = next(o for o in units.locator("option").all_inner_texts() if "Central Armoury" in o)
    units.select_option(label=label)
    with page.expect_navigation():
        page.get_by_role("button", name=_("Add to the campaign")).click()
    with page.expect_navigation():
        page.get_by_role("button", name=_("Allocate marks")).click()
    with page.expect_download() as job:
        page.get_by_role("link", name=_("Job file for marking machines (CSV)")).click()
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
        log_form.get_by_role("button", name=_("Import completion")).click()
    progress = page.locator("#progress-counts").inner_text()
    marked = _.pattern("%(done)s of %(total)s weapons marked.", done="1", total=r"\d+")
    assert marked.search(progress), progress
    _picture(page, language, "campaign", full=True)


def _fill_para_17(form: Any, _: Language, serial: str) -> None:
    """The markings, type and calibre; why illicit, where found; what for (ITI para 17)."""
    form.get_by_label(_("All markings as read"), exact=True).fill(f"{serial} on the frame")
    form.get_by_label(_("Type"), exact=True).select_option("pistol")
    form.get_by_label(_("Calibre"), exact=True).fill("9x19")
    form.get_by_label(_("(a) Illicit under the law of the state where found")).check()
    form.get_by_label(_("Legal justification"), exact=True).fill("Penal Code s. 89: unlicensed")
    form.get_by_label(_("Date found"), exact=True).fill("2026-11-20")
    form.get_by_label(_("Place found"), exact=True).fill("Nairobi, Kibera")
    form.get_by_label(_("Found how"), exact=True).select_option("seized")
    form.get_by_label(_("Intended use of the information"), exact=True).fill("Prosecution")
    form.get_by_label(_("Confidentiality"), exact=True).select_option("restricted")
    form.get_by_label(_("Use restrictions"), exact=True).fill("Law enforcement use only")


def test_an_investigator_files_a_trace_request_and_is_told_what_para_17_lacks(page, site, language):
    _ = language
    sign_in(page, site, "investigator.nairobi", language)
    serial, _misread = _a_serial_with_a_look_alike(page, site)
    page.goto(f"{site.url}/tracing/new/")
    _in_language(page, language)
    form = page.locator("main form")
    direction = form.get_by_label(_("Direction"), exact=True)
    if direction.count():  # an investigator may only file domestic requests: no choice then
        direction.select_option("domestic")
    form.get_by_label(_("Serial as read"), exact=True).fill(serial)
    with page.expect_navigation():
        form.get_by_role("button", name=_("File request"), exact=True).click()
    refused = page.locator(".field--error").all_inner_texts()  # each field with its reason
    for missing in ("Why illicit (ITI para 5)", "Intended use of the information", "Calibre"):
        assert any(_(missing) in field for field in refused), (missing, refused)
    form.get_by_label(_("Channel"), exact=True).select_option("domestic")
    form.get_by_label(_("Case reference"), exact=True).fill("NRB-CID-2026-0117")
    form.get_by_label(_("Officer"), exact=True).fill("Insp. A. Wanjiru")
    form.get_by_label(_("Officer's e-mail"), exact=True).fill("a.wanjiru@police.example")
    _fill_para_17(form, _, serial)
    _picture(page, language, "trace-request", full=True)
    with page.expect_navigation():
        form.get_by_role("button", name=_("File request"), exact=True).click()
    heading = page.locator("h1").inner_text()
    errors = page.locator(".errorlist").all_inner_texts()
    assert _.pattern("Trace request %(id)s", id=REQUEST_ID).fullmatch(heading), errors


def test_a_point_of_contact_receives_a_request_from_another_state_and_answers_it(
    page, site, language
):
    _ = language
    sign_in(page, site, "poc", language)
    serial = _serials(page, site)[3 + CODES.index(language.code)]  # one per language run
    page.goto(f"{site.url}/tracing/new/")
    _in_language(page, language)
    form = page.locator("main form")
    form.get_by_label(_("Direction"), exact=True).select_option("incoming")
    form.get_by_label(_("Channel"), exact=True).select_option("bilateral_npc")
    form.get_by_label(_("Case reference"), exact=True).fill(f"UG-CID-2026-{serial}")
    form.get_by_label(_("Requesting state (incoming)"), exact=True).fill("UG")
    form.get_by_label(_("Requesting agency (incoming)"), exact=True).fill("Uganda Police Force")
    form.get_by_label(_("Officer"), exact=True).fill("D/Sgt. P. Okello")
    form.get_by_label(_("Officer's e-mail"), exact=True).fill("p.okello@police.example")
    form.get_by_label(_("Serial as read"), exact=True).fill(serial)
    _fill_para_17(form, _, serial)
    with page.expect_navigation():
        form.get_by_role("button", name=_("File request"), exact=True).click()
    heading = page.locator("h1").inner_text()
    assert _.pattern("Trace request %(id)s", id=REQUEST_ID).fullmatch(heading), heading
    status = page.locator(".page-head .status")
    assert status.inner_text() == _("Received")
    main = page.locator("main")
    main.get_by_label(_("New status"), exact=True).select_option("acknowledged")
    with page.expect_navigation():
        main.get_by_role("button", name=_("Change status"), exact=True).click()
    assert status.inner_text() == _("Acknowledged")
    with page.expect_navigation():
        main.get_by_role("button", name=_("Draft answer"), exact=True).click()
    main.get_by_label(_("The answer is"), exact=True).select_option("complete")
    with page.expect_navigation():
        main.get_by_role("button", name=_("Release answer"), exact=True).click()
    assert status.inner_text() == _("Answered (complete)")
    answers = page.locator("section[aria-labelledby=answers]")
    released = _.pattern("Released %(when)s by %(who)s", when=".+", who="poc")
    assert released.search(answers.locator("h3").first.inner_text())
    candidate = answers.locator("table").first.locator("tbody tr").first.locator("td")
    assert candidate.nth(0).inner_text() == serial  # the registered weapon, found exactly
    assert candidate.nth(3).inner_text() == _("Exact")  # its match, as the search page says
    _in_language(page, language, heading=False)  # the heading is the request's id
    _picture(page, language, "trace-answer", keep=("zh-hans",), full=True)


def test_an_auditor_reviews_data_quality_and_misuse_alerts(page, site, language):
    _ = language
    sign_in(page, site, "auditor", language)
    menu = page.locator("header nav")
    menu.get_by_role("link", name=_("Data quality"), exact=True).click()
    page.wait_for_url(re.compile(r"/quality/$"))
    _in_language(page, language)
    assert page.locator("h1").inner_text() == _("Data quality")
    _picture(page, language, "quality", full=True)
    counts = page.locator("#quality-counts tbody tr")
    failing = [
        row
        for row in counts.all()
        if (n := row.locator("td").nth(2).inner_text().strip()).isdigit() and int(n) > 0
    ]
    assert failing, page.locator("#quality-counts").inner_text()[:900]
    rule = failing[0].locator("th a").inner_text()
    failing[0].get_by_role("link", name=rule, exact=True).click()
    page.wait_for_url(re.compile(rf"/quality/rules/{re.escape(rule)}/$"))
    assert page.locator("h1").inner_text().startswith(rule)
    failures = page.locator("#rule-failures")
    assert failures.locator("h2").inner_text() == _("Failing records now")
    failures.locator("tbody tr th a").first.click()
    page.wait_for_url(WEAPON_URL)
    menu.get_by_role("link", name=_("Misuse alerts"), exact=True).click()
    page.wait_for_url(re.compile(r"/audit/alerts/$"))
    _in_language(page, language)
    assert page.locator("h1").inner_text() == _("Misuse alerts")
    tabs = page.get_by_role("navigation", name=_("Show alerts"))
    for tab in ("Open", "Acknowledged", "All"):
        assert tabs.get_by_role("link", name=_(tab), exact=True).count() == 1


def test_an_administrator_searches_the_reference_data_in_the_admin(page, site, language):
    _ = language
    sign_in(page, site, "admin", language)
    page.locator("header nav").get_by_role("link", name=_("Administration"), exact=True).click()
    page.wait_for_url(re.compile(r"/admin/$"))
    _in_language(page, language, brand="#site-name")  # Django's admin has its own header
    assert page.locator("#content h1").inner_text() == _("Site administration")
    manufacturers = page.locator("#content-main th a[href$='/admin/reference/manufacturer/']")
    assert manufacturers.count() == 1, page.locator("#content-main").inner_text()[:900]
    name = manufacturers.inner_text()
    assert language.written_in_its_script(name), (language.code, name)  # a translated name
    manufacturers.click()
    page.wait_for_url(re.compile(r"/admin/reference/manufacturer/$"))
    page.locator("#searchbar").fill("Glock")
    with page.expect_navigation():
        page.locator("#changelist-search").get_by_role("button", name=_("Search")).click()
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert rows, page.locator("#content").inner_text()[:900]
    assert any("Glock" in row for row in rows), rows
