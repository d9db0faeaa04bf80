"""Every figure of the analytics over the fixed world of world.py, against values worked out
by hand from its story (the arithmetic is in the comments). Run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from armstrace.analytics import selectors as s
from armstrace.analytics.selectors import Filters, Period
from armstrace.analytics.sql import median
from armstrace.tracing.models import TraceAnswer

pytestmark = pytest.mark.django_db

YEAR_2024 = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
ALL = Filters(YEAR_2024)


def as_dict(counted: list[s.Counted]) -> dict[str, int]:
    return {c.key: c.count for c in counted}


# --- trace requests sent and received ------------------------------------------------------


def test_domestic_requests_of_2024_and_what_became_of_them(world, db):
    # Sent in 2024: T1 T2 T3 T5 T7 T8 T14 (T11 was sent in 2023). All acknowledged.
    # In full: T1 T3 T5 T7; in part: T2; delayed: T2; refused: T8; open: T14.
    # Days to acknowledge: T1 1, T2 2, T3 0.5 (10:00 -> 22:00), T5 2, T7 1, T8 1, T14 1
    #   -> sorted 0.5 1 1 [1] 1 2 2 -> median 1.0
    # Days to answer: T1 10, T2 30 (05-11 -> 06-10), T3 7, T5 10, T7 10 -> 7 10 [10] 10 30
    domestic = s.trace_statistics(YEAR_2024).by_direction["domestic"]
    assert domestic == s.DirectionFigures(
        direction="domestic", count=7, acknowledged=7, answered_complete=4, answered_partial=1,
        delayed=1, restricted=0, refused=1, open=1, median_days_to_acknowledge=1.0,
        median_days_to_answer=10.0,
    )  # fmt: skip


def test_incoming_requests_take_the_mean_of_the_two_middle_values(world, db):
    # Received in 2024: T4 (answered in full) and T9 (restricted).
    # Days to acknowledge: T4 2 (04-02 -> 04-04), T9 7 (02-12 -> 02-19) -> (2 + 7) / 2 = 4.5
    # Days to answer: T4 only, 20 (04-02 -> 04-22).
    incoming = s.trace_statistics(YEAR_2024).by_direction["incoming"]
    assert incoming == s.DirectionFigures(
        direction="incoming", count=2, acknowledged=2, answered_complete=1, answered_partial=0,
        delayed=0, restricted=1, refused=0, open=0, median_days_to_acknowledge=4.5,
        median_days_to_answer=20.0,
    )  # fmt: skip


def test_outgoing_requests_count_answers_received_from_other_states(world, db):
    # Sent in 2024: T7F, T10, T13. T7F acknowledged by its answer (06-20 -> 07-20: 30 days),
    # T10 by RS on 10-08 (2 days); T13 never -> open.
    # Acknowledge: (2 + 30) / 2 = 16.0. Answer: T7F 30, T10 29 (10-06 -> 11-04) -> 29.5.
    outgoing = s.trace_statistics(YEAR_2024).by_direction["outgoing"]
    assert outgoing == s.DirectionFigures(
        direction="outgoing", count=3, acknowledged=2, answered_complete=2, answered_partial=0,
        delayed=0, restricted=0, refused=0, open=1, median_days_to_acknowledge=16.0,
        median_days_to_answer=29.5,
    )  # fmt: skip


def test_grounds_of_delays_restrictions_and_refusals_in_2024(world, db):
    # T2 delayed (investigation); T9 restricted (national security); T8 refused (legal
    # protection and other). T11's delay (investigation) was in a request of 2023.
    stats = s.trace_statistics(YEAR_2024)
    zero = {"investigation": 0, "national_security": 0, "legal_protection": 0, "other": 0}
    assert stats.grounds == {
        "delayed": {**zero, "investigation": 1},
        "restricted": {**zero, "national_security": 1},
        "refused": {**zero, "legal_protection": 1, "other": 1},
    }
    assert stats.grounds_by_direction["incoming"]["restricted"]["national_security"] == 1
    assert stats.grounds_by_direction["domestic"]["refused"]["other"] == 1
    assert stats.grounds_by_direction["outgoing"]["refused"] == zero


def test_answers_establishing_diversion_in_2024(world, db):
    # Released or received in 2024 with a point of diversion: T1 (stolen), T3 (lost), T7F
    # (received: reported stolen). T2, T4, T5, T7, T10 establish none.
    assert s.trace_statistics(YEAR_2024).diversion_established == 3


def test_a_year_without_requests_gives_zeros_and_no_medians(world, db):
    stats = s.trace_statistics(Period(dt.date(2020, 1, 1), dt.date(2020, 12, 31)))
    assert {d.count for d in stats.by_direction.values()} == {0}
    assert stats.by_direction["outgoing"].median_days_to_answer is None
    assert stats.diversion_established == 0


def test_the_2023_period_holds_only_the_request_sent_then(world, db):
    # T11: sent 2023-11-02, acknowledged the next day, delayed on investigation grounds.
    stats = s.trace_statistics(Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)))
    domestic = stats.by_direction["domestic"]
    assert (domestic.count, domestic.acknowledged, domestic.delayed, domestic.open) == (1, 1, 1, 1)
    assert domestic.median_days_to_acknowledge == 1.0
    assert stats.grounds["delayed"]["investigation"] == 1


def test_statistics_of_one_agency_and_one_weapon_type(world, db):
    # Agency A asked T1 T2 T3 T7 in 2024 (T7F was filed by the point of contact).
    by_a = s.trace_statistics(YEAR_2024, agency=world.agencies["a"].pk).by_direction
    assert (by_a["domestic"].count, by_a["outgoing"].count, by_a["incoming"].count) == (4, 0, 0)
    # Pistols: T2 only.
    pistols = s.trace_statistics(YEAR_2024, weapon_type="pistol").by_direction
    assert pistols["domestic"].count == 1 and pistols["domestic"].delayed == 1


# --- SDG 16.4.2 --------------------------------------------------------------------------


def test_sdg_16_4_2_over_2024(world, db):
    # Denominator: weapons seized, found or surrendered in 2024: W1 W2 W3 W5 W6 W7 W12 = 7
    # (W4 was found abroad: no event in our registry).
    # Numerator: W1 (T1: stolen), W2 (T2: last legal holder C2), W3 (T3: lost), W5 (T5: last
    # legal holder C4), W7 (T7 ends in an export to TZ, but its follow-up T7F establishes a
    # theft) = 5. W6 was never traced; W12's answer (T14) is not released.
    sdg = s.sdg_16_4_2(YEAR_2024)
    assert (sdg.seized_found_surrendered, sdg.traced_origin_established) == (7, 5)
    assert sdg.proportion == pytest.approx(5 / 7)
    # Pistols: W2 (traced), W6 (not) -> (1, 2); assault rifles: W1 W3 W5 W7 (traced), W12.
    assert sdg.by_weapon_type == {"assault-rifle": (4, 5), "pistol": (1, 2)}
    # Seized: W1 W2 W5 W7 W12 (4 traced); found: W3; surrendered: W6.
    assert sdg.by_context == {"seized": (4, 5), "found": (1, 1), "surrendered": (0, 1)}


def test_sdg_16_4_2_of_one_agency_and_one_type(world, db):
    # Agency B keeps W5 and W12 (W4 was found abroad): W5 traced -> (1, 2).
    sdg = s.sdg_16_4_2(YEAR_2024, agency=world.agencies["b"].pk)
    assert (sdg.traced_origin_established, sdg.seized_found_surrendered) == (1, 2)
    pistols = s.sdg_16_4_2(YEAR_2024, weapon_type="pistol")
    assert (pistols.traced_origin_established, pistols.seized_found_surrendered) == (1, 2)
    assert s.sdg_16_4_2(Period(dt.date(2019, 1, 1), dt.date(2019, 12, 31))).proportion is None


# --- traced weapons -----------------------------------------------------------------------


def test_one_trace_per_recovery_the_last_of_its_chain(world, db):
    # Found in 2024 with a released answer: T1 T2 T3 T4 T5 T7 T7F T10; T7 has a follow-up
    # (T7F), so its chain ends with T7F. T14's answer is a draft.
    traced = s.traced(ALL).values_list("request__request_id", flat=True)
    ids = {key: r.request_id for key, r in world.requests.items()}
    assert set(traced) == {ids[k] for k in ("T1", "T2", "T3", "T4", "T5", "T7F", "T10")}


def test_time_to_crime_bands_and_median(world, db):
    # Days from the first sale into civilian hands to the day found:
    #   T1 W1: 2018-05-01 -> 2024-03-02 = 2132    5 to 10 years (1825 <= d < 3650)
    #   T2 W2: 2023-06-01 -> 2024-05-10 =  344    under 1 year
    #   T3 W3: 2002-04-01 -> 2024-08-01 = 8158    10 years or more (to a company)
    #   T4 W4: 2017-01-01 -> 2024-04-01 = 2647    5 to 10 years
    #   T5 W5: 2021-03-01 -> 2024-09-15 = 1294    3 to 5 years (1095 <= d < 1825)
    #   T7F (received): 2022-01-10 -> 2024-06-01 = 873   1 to 3 years
    #   T10 (received): no sale to a civilian in the chain -> not known
    # Median of the six known: 344 873 [1294 2132] 2647 8158 -> (1294 + 2132) / 2 = 1713.0
    result = s.time_to_crime(ALL)
    assert result.traced == 7
    assert result.buckets == {
        "under_1": 1, "1_to_3": 1, "3_to_5": 1, "5_to_10": 2, "over_10": 1, "unknown": 1,
    }  # fmt: skip
    assert result.median_days == 1713.0


def test_time_to_crime_of_agency_a_and_of_pistols(world, db):
    # Agency A: T1 (2132), T2 (344), T3 (8158) -> median 2132. Pistols: T2 only.
    by_a = s.time_to_crime(Filters(YEAR_2024, agency=world.agencies["a"].pk))
    assert (by_a.traced, by_a.median_days) == (3, 2132.0)
    pistols = s.time_to_crime(Filters(YEAR_2024, weapon_type="pistol"))
    assert (pistols.traced, pistols.buckets["under_1"], pistols.median_days) == (1, 1, 344.0)


def test_source_countries(world, db):
    # Made in: our record's country for W1-W5 (W3: BE), as read on T7F and T10 (RS).
    # Last legal import: KE for W1 W2 W3 W5 (their import country), UG for W4 (the chain
    # ends in the export to UG), KE for T10 (exported to KE), not known for T7F.
    sources = s.sources(ALL)
    assert as_dict(sources.manufacture) == {"RS": 6, "BE": 1}
    assert sources.manufacture[0] == s.Counted("RS", 6)
    assert as_dict(sources.last_import) == {"KE": 5, "UG": 1, "": 1}


def test_routes_from_manufacture_to_recovery(world, db):
    routes = {(r.manufacture, r.last_import, r.recovery): r.count for r in s.routes(ALL)}
    assert routes == {
        ("RS", "KE", "KE"): 4,  # T1 T2 T5 T10
        ("BE", "KE", "KE"): 1,  # T3
        ("RS", "UG", "UG"): 1,  # T4: found in Uganda, which asked
        ("RS", "", "KE"): 1,  # T7F
    }


def test_importers_and_dealers_behind_traced_weapons_and_the_unusual_dealer(world, db):
    # Importers (last import on record): I1 W1 W2 W5 = 3; I2 W3 W4 = 2.
    # Dealers (first sale into civilian hands): D1 W1 W2 W3 W5 = 4; D2 W4 = 1.
    # 95th percentile of [1, 4] by linear interpolation: 1 + 0.95 * (4 - 1) = 3.85;
    # D1: 4 >= 3 and 4 > 3.85 -> flagged; D2 is not.
    parties = s.parties_behind(ALL)
    p = world.parties
    assert [(x.party_id, x.count) for x in parties.importers] == [(p["I1"].pk, 3), (p["I2"].pk, 2)]
    assert [(x.name, x.count, x.flagged) for x in parties.dealers] == [
        ("Nairobi Gun Shop", 4, True),
        ("Mombasa Sporting", 1, False),
    ]
    assert parties.dealer_threshold == pytest.approx(3.85)


def test_the_flag_rule_needs_a_minimum_and_someone_to_compare_with():
    assert s.flag_threshold([7]) is None  # one dealer: nothing to compare
    assert s.flag_threshold([1, 1, 1, 2]) == pytest.approx(1.85)  # 1 + 0.85 * 1


def test_recovery_places_offences_and_contexts(world, db):
    # Requests starting a chain, found in 2024: T1 T2 T3 T4 T5 T7 T8 T9 T10 T13 T14 = 11
    # (T7F repeats T7's recovery; T11 was found in 2023).
    result = s.recovery(ALL)
    assert result.recoveries == 11
    assert result.places[0] == s.Counted("Eastleigh, Nairobi", 2)  # T1, T5
    assert len(result.places) == 10 and {c.count for c in result.places[1:]} == {1}
    assert as_dict(result.offences) == {
        "armed robbery": 3, "": 2, "illegal possession": 2, "smuggling": 2,
        "arms trafficking": 1, "terrorism": 1,
    }  # fmt: skip
    assert as_dict(result.contexts) == {"seized": 9, "found": 2}  # found: T3, T8


# --- import controls ---------------------------------------------------------------------


def test_traced_weapons_that_entered_legally_and_were_then_diverted(world, db):
    # 2024: 7 traced. Entered legally: T1 T2 T3 T4 T5 (an import on record) and T10 (the last
    # legal record is an export to KE) = 6; not T7F (a sale in TZ, no link to our registry).
    # Then diverted here: T1 T3 (theft, loss), T2 T5 (a last legal holder here), T10 (found
    # here after the export to us) = 5; T4 was exported legally to UG.
    control = s.import_control(ALL)
    assert control.by_year == [s.ImportShare("2024", 7, 6, 5)]
    assert control.by_year[0].share == pytest.approx(5 / 7)
    # Per importer: I1 imported W1 W2 W5, all diverted (3 of 3); I2 W3 (diverted) and W4.
    by_importer = {(r.key, r.traced, r.diverted) for r in control.by_importer}
    assert by_importer == {("Kenya Arms Importers", 3, 3), ("Savannah Imports", 2, 1)}


def test_imported_weapons_lacking_an_import_mark(world, db):
    # Imported in 2024: W6 (I2, no import mark) and W11 (I1, marked). W2 and W5 lack one
    # too, but were imported in 2019 and 2021.
    marks = s.import_marks(ALL)
    assert (marks.imported, marks.lacking, marks.share_lacking) == (2, 1, 0.5)
    by_importer = {(r.key, r.traced, r.diverted) for r in marks.by_importer}
    assert by_importer == {("Kenya Arms Importers", 1, 0), ("Savannah Imports", 1, 1)}
    older = s.import_marks(Filters(Period(dt.date(2019, 1, 1), dt.date(2021, 12, 31))))
    # 2019-2021: W2 (2019, no mark), W12 (2019, marked), W5 (2021, no mark) -> 3 and 2.
    assert (older.imported, older.lacking) == (3, 2)


# --- the median both engines compute -------------------------------------------------------


def test_the_median_leaves_out_unknown_values_and_is_none_without_any(world, db):
    # Released answers with a time to crime: 2132 344 8158 2647 1294 873 (T7 and T10: none).
    released = TraceAnswer.objects.filter(released_at__isnull=False)
    assert median(released, "time_to_crime_days") == 1713.0
    assert median(released.filter(time_to_crime_days__isnull=True), "time_to_crime_days") is None
