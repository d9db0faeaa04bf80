"""The registry's web pages: who may open them, what they show, and what the forms write."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from armstrace.audit.models import AuditEntry
from armstrace.registry.models import Component, Event, Mark, Weapon
from armstrace.registry.services import EventInput, create_party, record_life_event

LIST = reverse("registry:weapon-list")
CREATE = reverse("registry:weapon-create")


def detail_url(weapon) -> str:
    return reverse("registry:weapon-detail", args=[weapon.pk])


def event_url(weapon) -> str:
    return reverse("registry:event-create", args=[weapon.pk])


def serials_on(response) -> list[str]:
    """Serial numbers in the results table, in the order shown."""
    html = response.content.decode()
    return re.findall(r'<th scope="row"><a href="/weapons/[^"]+/">([^<]+)</a></th>', html)


def select_of(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]


@pytest.fixture
def dealer(db):
    return create_party(kind="dealer", name="Nairobi Arms Ltd", licence_number="D-17", country="KE")


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- the weapon list -------------------------------------------------------------------


def test_serial_filter_matches_the_normalised_serial_exactly_or_by_its_beginning(
    logged_in, investigator_a, weapon_factory
):
    for serial in ("AK-100", "ak 1001", "BX-200"):
        weapon_factory(serial=serial)
    client = logged_in(investigator_a)
    assert serials_on(client.get(LIST, {"serial": "a-k100"})) == ["AK-100", "ak 1001"]
    assert serials_on(client.get(LIST, {"serial": "AK1001"})) == ["ak 1001"]
    assert serials_on(client.get(LIST, {"serial": "ZZ"})) == []


def test_list_filters_by_manufacturer_model_status_type_country_and_agency(
    logged_in, investigator_a, weapon_factory
):
    weapon_factory(serial="A1")
    weapon_factory(serial="B1", agency="b")
    weapon_factory(
        serial="G1", manufacturer=None, manufacturer_name="Glock", model="17",
        weapon_type="pistol", country_of_manufacture="AT",
    )  # fmt: skip
    stolen = weapon_factory(serial="S1")
    record_life_event(
        weapon=stolen, data=EventInput(kind="stolen", occurred_on=dt.date(2020, 1, 5))
    )
    client = logged_in(investigator_a)
    agency_b = Weapon.objects.get(serial_number="B1").agency
    assert serials_on(client.get(LIST, {"manufacturer": "glo"})) == ["G1"]
    assert serials_on(client.get(LIST, {"model": "17"})) == ["G1"]
    assert serials_on(client.get(LIST, {"status": "stolen"})) == ["S1"]
    assert serials_on(client.get(LIST, {"type": "pistol"})) == ["G1"]
    assert serials_on(client.get(LIST, {"country": "AT"})) == ["G1"]
    assert serials_on(client.get(LIST, {"agency": agency_b.pk})) == ["B1"]
    assert serials_on(client.get(LIST, {"type": "pistol", "country": "RS"})) == []


def test_an_unknown_filter_value_is_reported_and_ignored(logged_in, investigator_a, weapon_factory):
    weapon_factory(serial="A1")
    response = logged_in(investigator_a).get(LIST, {"status": "vanished"})
    assert response.status_code == 200
    assert serials_on(response) == ["A1"]
    assert "vanished is not one of the available choices" in response.content.decode()


def test_list_shows_fifty_weapons_a_page_and_links_the_next_page(
    logged_in, investigator_a, weapon_factory
):
    for i in range(51):
        weapon_factory(serial=f"P{i:03d}")
    client = logged_in(investigator_a)
    first = client.get(LIST, {"model": "M70"})
    assert len(serials_on(first)) == 50
    assert "51 weapons" in first.content.decode()
    assert 'href="?model=M70&amp;page=2"' in first.content.decode()  # filters kept
    second = client.get(LIST, {"model": "M70", "page": 2})
    assert serials_on(second) == ["P050"]
    assert serials_on(client.get(LIST, {"page": "999"})) == ["P050"]  # out of range: last page


def test_list_counts_weapons_without_joining_related_tables(
    logged_in, investigator_a, weapon_factory
):
    weapon_factory()
    client = logged_in(investigator_a)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, {"status": "manufactured"})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert "JOIN" not in counts[0].upper()


def test_empty_list_tells_a_registrar_how_to_register_the_first_weapon(logged_in, registrar):
    html = logged_in(registrar).get(LIST).content.decode()
    assert "No weapon is registered yet." in html
    assert f'href="{CREATE}"' in html


def test_empty_filtered_list_suggests_what_to_try_next(logged_in, investigator_a, weapon_factory):
    weapon_factory(serial="A1")
    html = logged_in(investigator_a).get(LIST, {"serial": "Q"}).content.decode()
    assert "No weapon matches these filters." in html
    assert "clear all filters" in html
    assert "register it" not in html  # an investigator cannot register


def test_htmx_request_gets_only_the_results_fragment(logged_in, investigator_a, weapon_factory):
    weapon_factory(serial="A1")
    client = logged_in(investigator_a)
    response = client.get(LIST, {"serial": "A1"}, headers={"HX-Request": "true"})
    html = response.content.decode().strip()
    assert html.startswith('<section id="weapon-results"')
    assert "<html" not in html
    assert '<nav class="site-nav"' not in html
    assert "<form" not in html
    assert serials_on(response) == ["A1"]
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(logged_in, investigator_a):
    response = logged_in(investigator_a).get(
        LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_filter_form_works_without_javascript_and_updates_with_htmx(logged_in, investigator_a):
    html = logged_in(investigator_a).get(LIST).content.decode()
    assert f'<form class="filters" method="get" action="{LIST}"' in html
    assert f'hx-get="{LIST}"' in html
    assert 'hx-target="#weapon-results"' in html
    assert 'hx-push-url="true"' in html


# --- the weapon detail -------------------------------------------------------------------


def test_detail_shows_identity_and_the_timeline_in_order(
    logged_in, investigator_a, weapon_factory, dealer
):
    weapon = weapon_factory(serial="T-1")
    record_life_event(
        weapon=weapon,
        data=EventInput(
            kind="transferred", occurred_on=dt.date(2001, 2, 3), to_party=dealer,
            document_ref="INV-2001-7", place="Nairobi", country="KE",
        ),
    )  # fmt: skip
    record_life_event(
        weapon=weapon, data=EventInput(kind="stolen", occurred_on=dt.date(2015, 8, 9))
    )
    html = logged_in(investigator_a).get(detail_url(weapon)).content.decode()
    timeline = html[html.index("Timeline of events") :]
    positions = [timeline.index(day) for day in ("1990-06-01", "2001-02-03", "2015-08-09")]
    assert positions == sorted(positions)
    for shown in ("Transferred", "Reported stolen", "INV-2001-7", "Nairobi", "Kenya", dealer.name):
        assert shown in timeline
    assert "In commercial stock" in timeline  # status before the theft
    assert "test-setup" in timeline  # recorded by
    assert "Zastava Arms" in html and "Serbia" in html and "T-1" in html


def test_detail_shows_components_with_their_replacement_history_and_marks(
    logged_in, registrar, weapon_factory
):
    from armstrace.registry.services import (
        ComponentInput,
        MarkInput,
        add_component,
        add_mark,
        replace_component,
    )

    weapon = weapon_factory()
    barrel = add_component(weapon=weapon, data=ComponentInput("barrel", "BRL-1"))
    replace_component(
        component=barrel, new_serial_number="BRL-2", replaced_on=dt.date(2010, 1, 1), reason="worn"
    )
    add_mark(weapon=weapon, data=MarkInput(role="import", text="KE 2001 IMP"))
    html = logged_in(registrar).get(detail_url(weapon)).content.decode()
    assert "Replaced by BRL-2" in html
    assert "Replaced BRL-1" in html
    assert "worn" in html
    assert "KE 2001 IMP" in html


def test_detail_page_queries_do_not_grow_with_the_number_of_events(
    logged_in, investigator_a, weapon_factory, dealer
):
    client = logged_in(investigator_a)
    weapon = weapon_factory()
    client.get(detail_url(weapon))  # warm the session and the user's grants
    with CaptureQueriesContext(connection) as one_event:
        client.get(detail_url(weapon))
    for year, kind in ((2001, "transferred"), (2005, "stolen"), (2007, "recovered")):
        record_life_event(
            weapon=weapon,
            data=EventInput(kind=kind, occurred_on=dt.date(year, 1, 1), to_party=dealer),
        )
    with CaptureQueriesContext(connection) as four_events:
        client.get(detail_url(weapon))
    assert len(four_events) == len(one_event)


def test_unknown_weapon_gives_the_not_found_page(logged_in, investigator_a):
    response = logged_in(investigator_a).get(
        reverse("registry:weapon-detail", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404
    assert "This page or record does not exist" in response.content.decode()


def test_action_buttons_appear_only_for_the_weapons_agency(
    logged_in, registrar, registrar_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    own = logged_in(registrar).get(detail_url(weapon)).content.decode()
    assert event_url(weapon) in own
    assert reverse("registry:mark-create", args=[weapon.pk]) in own
    other = logged_in(registrar_b).get(detail_url(weapon)).content.decode()
    assert event_url(weapon) not in other
    assert reverse("registry:component-create", args=[weapon.pk]) not in other


# --- registering a weapon ---------------------------------------------------------------


def _registration(**overrides) -> dict[str, str]:
    form = {
        "serial_number": "NEW-0001",
        "manufacturer": "",
        "manufacturer_name": "Fabrique Nationale",
        "country_of_manufacture": "BE",
        "model": "FAL",
        "calibre": "7.62x51",
        "weapon_type": "rifle",
        "year_of_manufacture": "1975",
        "kind": "manufactured",
        "occurred_on": "1975-03-01",
    }
    form.update(overrides)
    return form


def test_a_registrar_registers_a_weapon_in_their_agency_with_an_audit_entry(logged_in, registrar):
    client = logged_in(registrar)
    response = client.post(CREATE, _registration())
    weapon = Weapon.objects.get(serial_number="NEW-0001")
    assert response.status_code == 302
    assert response["Location"] == detail_url(weapon)
    assert weapon.agency == registrar.agency
    assert weapon.status == "manufactured"
    assert weapon.country_of_manufacture_id == "BE"
    entry = AuditEntry.objects.get(tag="registry:weapon:registered", object_id=str(weapon.pk))
    assert (entry.actor_name, entry.channel) == ("registrar", "web")
    page = client.get(response["Location"]).content.decode()
    assert "Weapon NEW-0001 registered." in page
    assert "NEW-0001" in serials_on(client.get(LIST))


def test_registration_keeps_the_typed_manufacturer_and_links_the_chosen_one(
    logged_in, registrar, maker
):
    logged_in(registrar).post(
        CREATE, _registration(manufacturer=str(maker.pk), manufacturer_name="ZASTAVA KRAGUJEVAC")
    )
    weapon = Weapon.objects.get(serial_number="NEW-0001")
    assert weapon.manufacturer == maker
    assert weapon.manufacturer_name == "ZASTAVA KRAGUJEVAC"


def test_registration_offers_only_events_that_can_start_a_record(logged_in, registrar):
    html = logged_in(registrar).get(CREATE).content.decode()
    kind_select = select_of(html, "kind")
    assert 'value="manufactured"' in kind_select
    assert 'value="imported"' in kind_select
    assert 'value="stolen"' not in kind_select
    assert 'value="destroyed"' not in kind_select


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"year_of_manufacture": "2999"}, "year_of_manufacture", "Must be between 1800"),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "Is in the future"),
        ({"kind": "destroyed"}, "kind", "cannot enter the registry"),
        ({"kind": "imported"}, "to_party", "required for this event"),
        ({"manufacturer_name": ""}, "manufacturer_name", "Is required"),
        ({"serial_number": "--"}, "serial_number", "Has no letters or digits"),
    ],
)
def test_a_refused_registration_names_the_field_and_writes_nothing(
    logged_in, registrar, overrides, field, reason
):
    client = logged_in(registrar)  # signing in is audited too: count after it
    audit_before = AuditEntry.objects.count()
    response = client.post(CREATE, _registration(**overrides))
    assert response.status_code == 422
    errors = response.context["form"].errors
    named = [name for name in errors if name in (field if isinstance(field, tuple) else (field,))]
    assert len(named) == 1, errors
    assert reason.casefold() in " ".join(errors[named[0]]).casefold()
    assert not Weapon.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_registration_requires_a_type_and_a_serial_before_calling_the_service(logged_in, registrar):
    response = logged_in(registrar).post(CREATE, _registration(weapon_type="", serial_number=""))
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"weapon_type", "serial_number"}
    assert 'aria-invalid="true"' in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()


def test_a_refusal_naming_no_form_field_is_shown_above_the_form(db):
    from armstrace.core.exceptions import DomainValidationError
    from armstrace.registry.forms import ComponentForm, add_domain_error

    form = ComponentForm({"component_type": "barrel"})
    assert form.is_valid()
    add_domain_error(form, DomainValidationError("component", "was already removed"))
    assert form.non_field_errors() == ["component: was already removed"]


# --- recording an event -----------------------------------------------------------------


def test_recording_an_event_through_the_form_changes_the_status(
    logged_in, registrar, weapon_factory, dealer
):
    weapon = weapon_factory()
    client = logged_in(registrar)
    response = client.post(
        event_url(weapon),
        {"kind": "transferred", "occurred_on": "2003-04-05", "to_party": dealer.pk,
         "document_ref": "INV-9", "country": "KE"},
    )  # fmt: skip
    assert response.status_code == 302
    weapon.refresh_from_db()
    assert weapon.status == "in_stock"
    assert weapon.holder == dealer
    event = weapon.events.get(seq=2)
    assert (event.recorded_by_name, event.document_ref) == ("registrar", "INV-9")
    assert "Status is now: In commercial stock." in client.get(detail_url(weapon)).content.decode()


def test_event_form_offers_only_events_allowed_from_the_current_status(
    logged_in, registrar, weapon_factory
):
    weapon = weapon_factory()
    record_life_event(
        weapon=weapon, data=EventInput(kind="destroyed", occurred_on=dt.date(2000, 1, 1))
    )
    html = logged_in(registrar).get(event_url(weapon)).content.decode()
    kind_select = select_of(html, "kind")
    assert re.findall(r'value="([a-z_]+)"', kind_select) == ["records_handed_over"]


def test_a_refused_transition_shows_the_reason_on_the_event_field_and_writes_nothing(
    logged_in, registrar, weapon_factory, dealer
):
    weapon = weapon_factory()
    record_life_event(
        weapon=weapon, data=EventInput(kind="destroyed", occurred_on=dt.date(2000, 1, 1))
    )
    client = logged_in(registrar)
    events_before, audit_before = Event.objects.count(), AuditEntry.objects.count()
    response = client.post(
        event_url(weapon),
        {"kind": "transferred", "occurred_on": "2001-01-01", "to_party": dealer.pk},
    )
    assert response.status_code == 422
    assert "cannot be" in " ".join(response.context["form"].errors["kind"])
    assert "Destroyed" in response.content.decode()
    assert (Event.objects.count(), AuditEntry.objects.count()) == (events_before, audit_before)
    weapon.refresh_from_db()
    assert weapon.status == "destroyed"


def test_an_event_before_the_last_one_is_refused_on_the_date_field(
    logged_in, registrar, weapon_factory
):
    weapon = weapon_factory()
    response = logged_in(registrar).post(
        event_url(weapon), {"kind": "stolen", "occurred_on": "1980-01-01"}
    )
    assert response.status_code == 422
    assert "occurred_on" in response.context["form"].errors
    assert weapon.events.count() == 1


def test_registrar_of_agency_b_cannot_record_an_event_on_an_agency_a_weapon(
    logged_in, registrar_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client = logged_in(registrar_b)
    assert client.get(event_url(weapon)).status_code == 403
    response = client.post(event_url(weapon), {"kind": "stolen", "occurred_on": "2020-01-01"})
    assert response.status_code == 403
    assert weapon.events.count() == 1


def test_a_national_registrar_records_events_on_any_agencys_weapon(
    logged_in, national_registrar, weapon_factory
):
    weapon = weapon_factory(agency="b")
    response = logged_in(national_registrar).post(
        event_url(weapon), {"kind": "lost", "occurred_on": "2020-01-01"}
    )
    assert response.status_code == 302
    weapon.refresh_from_db()
    assert weapon.status == "lost"


# --- components and marks -----------------------------------------------------------------


def test_a_registrar_adds_and_replaces_a_component_and_adds_a_mark(
    logged_in, registrar, weapon_factory
):
    weapon = weapon_factory()
    client = logged_in(registrar)
    response = client.post(
        reverse("registry:component-create", args=[weapon.pk]),
        {"component_type": "slide", "serial_number": "SL-1", "installed_on": "1990-06-01"},
    )
    assert response.status_code == 302
    slide = Component.objects.get(weapon=weapon)
    response = client.post(
        reverse("registry:component-replace", args=[weapon.pk, slide.pk]),
        {"new_serial_number": "SL-2", "replaced_on": "2012-01-01", "reason": "cracked"},
    )
    assert response.status_code == 302
    assert Component.objects.get(replaces=slide).serial_number == "SL-2"
    response = client.post(
        reverse("registry:mark-create", args=[weapon.pk]),
        {"role": "post_seizure", "text": "KE-PS-77", "component_type": "slide"},
    )
    assert response.status_code == 302
    mark = Mark.objects.get(weapon=weapon)
    assert mark.component is not None and mark.component.serial_number == "SL-2"


def test_a_replacement_dated_before_installation_is_refused_on_the_date_field(
    logged_in, registrar, weapon_factory
):
    weapon = weapon_factory()
    from armstrace.registry.services import ComponentInput, add_component

    barrel = add_component(weapon=weapon, data=ComponentInput("barrel", "B-1", dt.date(2000, 1, 1)))
    response = logged_in(registrar).post(
        reverse("registry:component-replace", args=[weapon.pk, barrel.pk]),
        {"new_serial_number": "B-2", "replaced_on": "1999-01-01", "reason": "worn"},
    )
    assert response.status_code == 422
    assert "replaced_on" in response.context["form"].errors
    assert weapon.components.count() == 1


def test_a_removed_component_cannot_be_replaced_again(logged_in, registrar, weapon_factory):
    from armstrace.registry.services import ComponentInput, add_component, replace_component

    weapon = weapon_factory()
    barrel = add_component(weapon=weapon, data=ComponentInput("barrel", "B-1"))
    replace_component(
        component=barrel, new_serial_number="B-2", replaced_on=dt.date(2010, 1, 1), reason="worn"
    )
    url = reverse("registry:component-replace", args=[weapon.pk, barrel.pk])
    assert logged_in(registrar).get(url).status_code == 404


def test_registrar_of_agency_b_cannot_edit_an_agency_a_weapon(
    logged_in, registrar_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client = logged_in(registrar_b)
    for name in ("registry:component-create", "registry:mark-create"):
        assert client.get(reverse(name, args=[weapon.pk])).status_code == 403
    response = client.post(
        reverse("registry:mark-create", args=[weapon.pk]), {"role": "other", "text": "X"}
    )
    assert response.status_code == 403
    assert not weapon.marks.exists()


# --- who may open what ----------------------------------------------------------------------


def test_investigator_sees_list_and_detail_but_is_refused_every_form(
    logged_in, investigator_a, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client = logged_in(investigator_a)
    assert client.get(LIST).status_code == 200
    assert client.get(detail_url(weapon)).status_code == 200
    forms = [
        CREATE,
        event_url(weapon),
        reverse("registry:component-create", args=[weapon.pk]),
        reverse("registry:mark-create", args=[weapon.pk]),
    ]
    for url in forms:
        assert client.get(url).status_code == 403, url
    response = client.post(CREATE, _registration())
    assert response.status_code == 403
    assert "You are not allowed to open this page" in response.content.decode()
    assert not Weapon.objects.filter(serial_number="NEW-0001").exists()


def test_outsider_is_refused_the_weapon_list_and_detail(logged_in, outsider, weapon_factory):
    weapon = weapon_factory()
    client = logged_in(outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(weapon)).status_code == 403


def test_anonymous_visitor_is_sent_to_the_login_page(client, weapon_factory):
    weapon = weapon_factory()
    for url in (LIST, detail_url(weapon), CREATE, event_url(weapon)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_manufacturer_filter_finds_a_makers_weapons_through_its_record(
    logged_in, investigator_a, weapon_factory, maker
):
    weapon_factory(serial="M1")  # made by `maker`, recorded under its name
    weapon_factory(serial="M2", manufacturer_name="written otherwise")  # still that maker
    weapon_factory(serial="U1", manufacturer=None, manufacturer_name="Unheard-of Arms")
    client = logged_in(investigator_a)
    assert serials_on(client.get(LIST, {"manufacturer": maker.name[1:5].lower()})) == ["M1", "M2"]
    assert serials_on(client.get(LIST, {"manufacturer": "unheard"})) == ["U1"]
