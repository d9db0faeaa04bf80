"""Reference data edited in the Django admin: each save and deletion is audited, is used by
identification at once, and is not silently replaced by a reload."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from armstrace.audit.models import AuditEntry, EntryKind
from armstrace.audit.verify import verify_chain
from armstrace.reference import apps as reference_apps
from armstrace.reference import identify as identify_module
from armstrace.reference.identify import get_index, identify, reset_index
from armstrace.reference.models import (
    Calibre,
    Country,
    Design,
    Manufacturer,
    ManufacturerAlias,
    ModelTerm,
    ProofMark,
    ReferenceVersion,
    Variant,
    WeaponTypeInfo,
    WeaponTypeTerm,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    """Each test's edits roll back with it: no index built from them may outlive it."""
    reset_index()
    yield
    reset_index()


@pytest.fixture
def client(administrator: Any) -> Client:
    client = Client()
    client.force_login(administrator)
    return client


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What the browser posts back from a change page left as it is, inlines included."""
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form.initial.items()
        data |= {f"{formset.prefix}-{k}": v for k, v in management}
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value not in (None, False, "", []):
                data[form.add_prefix(name)] = value
    return data


def _add_alias(data: dict[str, Any], alias: str) -> dict[str, Any]:
    total = int(data["aliases-TOTAL_FORMS"])
    return data | {
        "aliases-TOTAL_FORMS": total + 1,
        f"aliases-{total}-alias": alias,
        f"aliases-{total}-kind": "alias",
        f"aliases-{total}-source": "registry clerk, ledger 12",
    }


def _edits() -> int:
    version = ReferenceVersion.objects.first()
    assert version is not None
    return version.edits


def test_an_alias_added_in_the_admin_is_audited_and_found_at_once(
    client, django_capture_on_commit_callbacks
):
    before = identify(manufacturer="KOMBINAT SUMADIJA K 44").candidates
    assert "zastava" not in {c.manufacturer_key for c in before}
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _add_alias(_form_data(client, url), "Kombinat Šumadija K-44"))
    assert response.status_code == 302
    added = ManufacturerAlias.objects.get(alias="Kombinat Šumadija K-44")
    entry = AuditEntry.objects.get(tag="reference:manufactureralias:created")
    assert entry.object_id == str(added.pk) and entry.before is None
    assert entry.after is not None and entry.after["manufacturer"] == maker.pk
    assert entry.actor_name == "administrator"
    # The maker's own save is recorded too, unchanged: the form was posted as it was.
    saved = AuditEntry.objects.get(tag="reference:manufacturer:updated")
    assert saved.before == saved.after
    assert _edits() == 2
    after = identify(manufacturer="KOMBINAT SUMADIJA K 44").candidates
    assert after[0].manufacturer_key == "zastava"
    assert verify_chain().ok


def test_another_process_sees_an_edit_at_its_next_version_check(client, monkeypatch):
    before = get_index().version
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    client.post(url, _add_alias(_form_data(client, url), "Kombinat Sumadija K-45"))
    assert get_index().version == before  # no commit seen, and the check waits its turn
    monkeypatch.setattr(identify_module, "VERSION_CHECK_SECONDS", 0.0)
    after = get_index().version
    assert before is not None and after == (before[0], before[1] + 2)
    assert identify(manufacturer="kombinat sumadija k 45").candidates[0].manufacturer_key == (
        "zastava"
    )


def test_a_changed_alias_and_related_calibres_are_recorded_before_and_after(client):
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    data = _form_data(client, url)
    old = data["aliases-0-alias"]
    assert client.post(url, data | {"aliases-0-alias": old + " (ledger)"}).status_code == 302
    entry = AuditEntry.objects.get(tag="reference:manufactureralias:updated")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["alias"], entry.after["alias"]) == (old, old + " (ledger)")

    rem = Calibre.objects.filter(related__isnull=False).order_by("key").first()
    assert rem is not None
    nato = rem.related.order_by("key").first()
    assert nato is not None
    url = f"/admin/reference/calibre/{rem.pk}/change/"
    data = _form_data(client, url)
    kept = [pk for pk in data.get("related", []) if pk != nato.pk]
    response = client.post(url, data | {"related": kept})
    assert response.status_code == 302, response.context["errors"]
    entry = AuditEntry.objects.get(tag="reference:calibre:updated")
    assert entry.before is not None and entry.after is not None
    assert nato.pk in entry.before["related"] and nato.pk not in entry.after["related"]
    assert not rem.related.filter(pk=nato.pk).exists()


@pytest.mark.parametrize(
    "model", [Country, Manufacturer, Calibre, Design, ProofMark, WeaponTypeInfo, WeaponTypeTerm]
)
def test_a_bundled_row_saved_unchanged_passes_the_admins_checks(client, model):
    row = model.objects.order_by("pk").first()
    if model is Calibre:  # keys with a decimal point, which a slug would refuse
        row = Calibre.objects.filter(key__contains=".").order_by("key").first()
    assert row is not None
    url = f"/admin/reference/{model._meta.model_name}/{row.pk}/change/"
    response = client.post(url, _form_data(client, url))
    assert response.status_code == 302, response.context["errors"]
    entry = AuditEntry.objects.get(tag=f"reference:{model._meta.model_name}:updated")
    assert entry.before == entry.after


def test_deleting_a_design_records_every_row_it_takes_with_it(client):
    design = Design.objects.create(key="test-family", name="Test family")
    variant = Variant.objects.create(design=design, designation="TF-1", relation="original")
    ModelTerm.objects.create(term="TF 1", design=design, variant=variant)
    url = f"/admin/reference/design/{design.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Design.objects.filter(pk=design.pk).exists()
    tags = sorted(AuditEntry.objects.filter(tag__endswith=":deleted").values_list("tag", flat=True))
    assert tags == [
        "reference:design:deleted",
        "reference:modelterm:deleted",
        "reference:variant:deleted",
    ]
    entry = AuditEntry.objects.get(tag="reference:design:deleted")
    assert entry.object_id == str(design.pk) and entry.after is None
    assert entry.before is not None and entry.before["key"] == "test-family"
    assert _edits() == 3


def test_an_alias_deleted_through_its_inline_is_recorded(client):
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    data = _form_data(client, url)
    alias_id = data["aliases-0-id"]
    assert client.post(url, data | {"aliases-0-DELETE": "on"}).status_code == 302
    assert not ManufacturerAlias.objects.filter(pk=alias_id).exists()
    entry = AuditEntry.objects.get(tag="reference:manufactureralias:deleted")
    assert entry.object_id == str(alias_id) and entry.before is not None


def test_reference_versions_are_read_only_in_the_admin(client):
    version = ReferenceVersion.objects.first()
    assert version is not None
    assert client.get("/admin/reference/referenceversion/").status_code == 200
    assert client.get("/admin/reference/referenceversion/add/").status_code == 403
    delete = f"/admin/reference/referenceversion/{version.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ReferenceVersion.objects.filter(pk=version.pk).exists()


def test_a_reload_over_local_edits_is_refused_until_told_to_discard_them(client):
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    client.post(url, _add_alias(_form_data(client, url), "Local Zastava Spelling"))
    with pytest.raises(CommandError, match=r"2 local edit\(s\).*--discard-local-edits"):
        call_command("reference", "load")
    assert ManufacturerAlias.objects.filter(alias="Local Zastava Spelling").exists()

    call_command("reference", "load", "--discard-local-edits", stdout=io.StringIO())
    assert not ManufacturerAlias.objects.filter(alias="Local Zastava Spelling").exists()
    assert _edits() == 0
    loaded = AuditEntry.objects.filter(tag="reference:dataset:loaded").latest("seq")
    assert loaded.data["discarded_edits"] == 2


def test_migrate_keeps_an_edited_set_and_says_why_it_did_not_load_the_new_one(client, monkeypatch):
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    client.post(url, _add_alias(_form_data(client, url), "Local Zastava Spelling"))
    monkeypatch.setattr("armstrace.reference.loader.needs_load", lambda: True)
    out = io.StringIO()
    reference_apps.load_bundled_reference(sender=None, stdout=out)  # type: ignore[arg-type]
    assert "was not loaded" in out.getvalue() and "--discard-local-edits" in out.getvalue()
    assert ManufacturerAlias.objects.filter(alias="Local Zastava Spelling").exists()


def test_other_roles_cannot_edit_reference_data(client, registrar, auditor):
    maker = Manufacturer.objects.get(key="zastava")
    url = f"/admin/reference/manufacturer/{maker.pk}/change/"
    valid = _form_data(client, url) | {"name": "Renamed by someone else"}
    for user in (registrar, auditor):
        user.is_staff = True  # staff, so the admin answers rather than asking to sign in
        user.save()
        other = Client()
        other.force_login(user)
        assert other.post(url, valid).status_code == 403
        assert other.get(url).status_code == 403
    assert Manufacturer.objects.get(pk=maker.pk).name == maker.name
    assert not AuditEntry.objects.filter(kind=EntryKind.CHANGE, tag__startswith="reference:")
