"""Who may open each reporting page and endpoint: those holding its permission, and nobody
else (403; anonymous visitors are sent to sign in, or get 401 from the API)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from armstrace.accounts.permissions import Permission, has_permission
from armstrace.audit.models import AuditEntry
from armstrace.reporting.permissions import (
    ASSISTANCE_MANAGE,
    ASSISTANCE_VIEW,
    NOTICE_EXPORT,
    NOTICE_VIEW,
    RECIPIENT_MANAGE,
    REPORT_GENERATE,
)
from armstrace.reporting.tests.helpers import entry

pytestmark = pytest.mark.django_db
PERSONAS = ["registrar", "national_registrar", "investigator_a", "poc", "auditor",
            "administrator", "outsider"]  # fmt: skip
API = "/api/v1/reports/national"


def _pages(pk: int) -> list[tuple[str, str, Permission]]:
    """(method, url, permission) for every page of the app."""
    return [
        ("get", reverse("reporting:national"), REPORT_GENERATE),
        ("post", reverse("reporting:national"), REPORT_GENERATE),
        ("get", reverse("reporting:notice-list"), NOTICE_VIEW),
        ("get", reverse("reporting:notice-detail", args=[pk]), NOTICE_VIEW),
        ("get", reverse("reporting:notice-export", args=[pk]), NOTICE_EXPORT),
        ("post", reverse("reporting:notice-acknowledge", args=[pk]), NOTICE_EXPORT),
        ("get", reverse("reporting:recipient-list"), RECIPIENT_MANAGE),
        ("get", reverse("reporting:recipient-create"), RECIPIENT_MANAGE),
        ("get", reverse("reporting:recipient-edit", args=[pk]), RECIPIENT_MANAGE),
        ("get", reverse("reporting:assistance-list"), ASSISTANCE_VIEW),
        ("get", reverse("reporting:assistance-csv"), ASSISTANCE_VIEW),
        ("get", reverse("reporting:assistance-detail", args=[pk]), ASSISTANCE_VIEW),
        ("get", reverse("reporting:assistance-create"), ASSISTANCE_MANAGE),
        ("post", reverse("reporting:assistance-match", args=[pk]), ASSISTANCE_MANAGE),
        ("post", reverse("reporting:assistance-status", args=[pk]), ASSISTANCE_MANAGE),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_page_admits_exactly_the_holders_of_its_permission(client, request, persona):
    user = request.getfixturevalue(persona)
    need = entry(request.getfixturevalue("poc"))
    client.force_login(user)
    for method, url, perm in _pages(need.pk):
        status = getattr(client, method)(url).status_code
        if has_permission(user, perm):
            assert status != 403 and status < 500, (persona, method, url, status)
        else:
            assert status == 403, (persona, method, url, status)


def test_the_roles_are_those_documented(db):
    def roles(perm: Permission) -> list[str]:
        return sorted(str(r) for r in perm.roles)

    assert roles(REPORT_GENERATE) == ["administrator", "auditor", "poc"]
    assert roles(NOTICE_EXPORT) == ["poc"]
    assert roles(ASSISTANCE_MANAGE) == ["administrator", "poc"]
    assert roles(ASSISTANCE_VIEW) == ["administrator", "auditor", "poc"]


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for method, url, _perm in _pages(1):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_the_api_gives_the_report_to_those_allowed_only(client, data_set, poc, investigator_a):
    query = {"start": "2024-01-01", "end": data_set.period.end.isoformat(), "language": "zh-hans"}
    assert client.get(API, query).status_code == 401
    client.force_login(investigator_a)
    refused = client.get(API, query)
    assert refused.status_code == 403
    assert refused.json()["permission"] == "reporting:report:generate"
    client.force_login(poc)
    response = client.get(API, {**query, "format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    assert document["language"] == "zh-hans"
    entry = AuditEntry.objects.get(tag="reporting:national:generated")
    assert (entry.actor_name, entry.channel) == ("poc", "api")


def test_the_api_refuses_a_bad_period_or_language_field_by_field(client, db, poc):
    client.force_login(poc)
    backwards = client.get(API, {"start": "2024-02-01", "end": "2024-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["body", "end"]
    unknown = client.get(API, {"start": "2024-01-01", "end": "2024-02-01", "language": "de"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "language"]
    missing = client.get(API, {"start": "2024-01-01"})
    assert missing.status_code == 422


def test_the_page_downloads_the_report_in_the_format_chosen(client, data_set, auditor):
    client.force_login(auditor)
    form = client.get(reverse("reporting:national"))
    assert form.status_code == 200 and 'name="language"' in form.content.decode()
    response = client.post(
        reverse("reporting:national"),
        {"start": "2024-01-01", "end": data_set.period.end.isoformat(), "language": "ar",
         "format": "xlsx"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('-ar.xlsx"')
    backwards = client.post(
        reverse("reporting:national"),
        {"start": "2024-02-01", "end": "2024-01-01", "language": "en", "format": "pdf"},
    )
    assert backwards.status_code == 422
    assert "Is before the start" in backwards.content.decode()
