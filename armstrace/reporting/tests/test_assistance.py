"""The assistance register: needs and offers, suggested matches explained in words, matches
recorded by the point of contact, CSV export."""

from __future__ import annotations

import csv
import io

import pycountry
import pytest
from django.urls import reverse

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.reporting import regions, rules, selectors, services
from armstrace.reporting.models import AssistanceEntry, AssistanceMatch
from armstrace.reporting.tests.helpers import entry

pytestmark = pytest.mark.django_db


def test_every_country_has_a_un_region_but_antarctica():
    missing = {c.alpha_2 for c in pycountry.countries} - {
        code for sub in regions.SUB_REGIONS for code in sub.countries
    }
    assert missing == {"AQ"}
    assert regions.region_of("ke") == "africa" and regions.region_of("SU") == "europe"


def test_offers_rank_by_nearness_then_by_how_much_of_the_need_they_cover(poc):
    need = entry(poc, country="KE", quantity=3)
    same_country = entry(poc, kind="offer", country="KE", quantity=1)
    sub_region = entry(poc, kind="offer", country="UG", quantity=5)
    region_short = entry(poc, kind="offer", country="NG", quantity=2)
    region_full = entry(poc, kind="offer", country="NG", quantity=3)
    elsewhere = entry(poc, kind="offer", country="FR", quantity=10)
    entry(poc, kind="offer", country="KE", category="legislative")  # another category
    closed = entry(poc, kind="offer", country="KE")
    services.set_entry_status(actor=poc, entry=closed, status="closed")
    entry(poc, kind="need", country="KE")  # a need is no answer to a need

    ranked = [s.entry for s in selectors.suggested_matches(need)]

    assert ranked == [same_country, sub_region, region_full, region_short, elsewhere]


def test_each_suggestion_says_why_in_words(poc):
    need = entry(poc, country="KE", quantity=4)
    entry(poc, kind="offer", country="UG", quantity=5)
    entry(poc, kind="offer", country="TZ", quantity=1)
    entry(poc, kind="offer", country="NG", quantity=None)
    entry(poc, kind="offer", country="FR", quantity=4)

    texts = [s.explanation for s in selectors.suggested_matches(need)]

    assert texts == [
        "Same category: Marking machines. The offer comes from Uganda, in the same sub-region "
        "as Kenya (Eastern Africa). The 5 offered cover the 4 needed.",
        "Same category: Marking machines. The offer comes from Tanzania, in the same sub-region "
        "as Kenya (Eastern Africa). The 1 offered cover 25 % of the 4 needed.",
        "Same category: Marking machines. The offer comes from Nigeria, in the same region as "
        "Kenya (Africa). The quantities cannot be compared: one side states none.",
        "Same category: Marking machines. The offer comes from France, outside the region of "
        "Kenya. The 4 offered cover the 4 needed.",
    ]


def test_an_offer_sees_the_needs_it_could_meet(poc):
    offer = entry(poc, kind="offer", country="UG", quantity=5)
    need = entry(poc, kind="need", country="KE", quantity=3)
    [suggestion] = selectors.suggested_matches(offer)
    assert suggestion.entry == need and "from Uganda" in suggestion.explanation


def test_a_match_marks_both_sides_keeps_its_explanation_and_is_audited(poc):
    need = entry(poc, country="KE", quantity=2)
    offer = entry(poc, kind="offer", country="UG", quantity=2)

    match = services.match_entries(actor=poc, need=need, offer=offer, note="Via UNSCAR")

    need.refresh_from_db()
    offer.refresh_from_db()
    assert (need.status, offer.status) == ("matched", "matched")
    assert match.explanation == rules.suggest(need, offer).explanation
    assert selectors.suggested_matches(need) == []
    assert list(selectors.matches_of(offer)) == [match]
    tags = set(AuditEntry.objects.values_list("tag", flat=True))
    assert {"reporting:assistancematch:created", "reporting:assistanceentry:updated"} <= tags


def test_matches_that_make_no_sense_are_refused(poc):
    need = entry(poc)
    offer = entry(poc, kind="offer")
    other = entry(poc, kind="offer", category="data_entry")
    services.match_entries(actor=poc, need=need, offer=offer)
    with pytest.raises(DomainValidationError, match="already matched"):
        services.match_entries(actor=poc, need=need, offer=offer)
    with pytest.raises(DomainValidationError, match="another category"):
        services.match_entries(actor=poc, need=need, offer=other)
    with pytest.raises(DomainValidationError, match="need with an offer"):
        services.match_entries(actor=poc, need=offer, offer=need)
    services.set_entry_status(actor=poc, entry=other, status="closed")
    other.category = "marking_machines"
    with pytest.raises(DomainValidationError, match="closed"):
        services.match_entries(actor=poc, need=need, offer=other)
    assert AssistanceMatch.objects.count() == 1


def test_only_the_point_of_contact_and_administrators_keep_the_register(
    poc, administrator, auditor, registrar
):
    entry(administrator)
    for user in (auditor, registrar):
        with pytest.raises(PermissionDenied):
            entry(user)
    assert AssistanceEntry.objects.count() == 1


def test_an_entry_is_checked_field_by_field(poc):
    with pytest.raises(DomainValidationError) as bad:
        entry(poc, country="XX")
    assert bad.value.field == "country"
    with pytest.raises(DomainValidationError) as bad:
        entry(poc, category="weapons")
    assert bad.value.field == "category"
    with pytest.raises(DomainValidationError) as bad:
        entry(poc, description="  ")
    assert bad.value.field == "description"


def test_closing_and_reopening_an_entry(poc):
    need = entry(poc)
    services.set_entry_status(actor=poc, entry=need, status="closed")
    assert need.closed_at is not None
    services.set_entry_status(actor=poc, entry=need, status="open")
    need.refresh_from_db()
    assert (need.status, need.closed_at) == ("open", None)


def test_the_register_exports_to_csv_with_formulas_neutralised(client, poc, auditor):
    entry(poc, description='=HYPERLINK("http://evil")')
    client.force_login(auditor)
    response = client.get(reverse("reporting:assistance-csv"))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["id", "kind", "category"]
    assert rows[1][3] == '\'=HYPERLINK("http://evil")'
    exported = AuditEntry.objects.get(tag="reporting:assistance:exported")
    assert exported.data["rows"] == 1 and exported.actor_name == "auditor"


def test_the_pages_record_a_need_show_suggestions_and_match_them(client, poc):
    offer = entry(poc, kind="offer", country="UG", quantity=4, description="Four machines")
    client.force_login(poc)
    created = client.post(
        reverse("reporting:assistance-create"),
        {
            "kind": "need",
            "category": "marking_machines",
            "description": "Marking machines for two armouries",
            "quantity": "2",
            "country": "KE",
            "contact": "nfp@example.ke",
        },
    )
    need = AssistanceEntry.objects.get(kind="need")
    assert created.status_code == 302
    assert created["Location"] == reverse("reporting:assistance-detail", args=[need.pk])
    page = client.get(created["Location"]).content.decode()
    assert "Four machines" in page and "The 4 offered cover the 2 needed." in page
    matched = client.post(
        reverse("reporting:assistance-match", args=[need.pk]), {"other": offer.pk}
    )
    assert matched.status_code == 302
    assert AssistanceMatch.objects.get().offer == offer
    listing = client.get(reverse("reporting:assistance-list"), {"status": "matched"})
    assert "Marking machines for two armouries" in listing.content.decode()


def test_a_wrong_entry_is_shown_beside_its_field(client, poc):
    client.force_login(poc)
    response = client.post(reverse("reporting:assistance-create"), {"kind": "need"})
    assert response.status_code == 422
    assert 'id="error-summary"' in response.content.decode()
