"""Every page and API route, walked by every persona, answers as the matrix says.

A persona without the route's permission is refused (403; anonymous: sent to sign in, or
401 from the API); a persona holding it is never refused and never meets a server error,
even with ids that match nothing. The matrix document must match the code.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from armstrace.accounts.permissions import VOCABULARY, has_permission
from armstrace.web.routes import PUBLIC, SIGNED_IN, Route, all_routes, matrix_markdown

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "registrar", "national_registrar", "investigator_a", "poc",
            "auditor", "administrator"]  # fmt: skip
# Routes whose permission is further narrowed to agencies of national scope: a registrar of
# a local agency holds the permission yet is refused (the national registrar is not).
NATIONAL_ONLY = {"/quality/run/"}
NO_ID = str(uuid.UUID(int=0))
MATRIX_FILE = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def _api_params() -> dict[tuple[str, str], dict[str, str]]:
    """(path, method) -> {parameter: sample value of its type} from the OpenAPI schema."""
    from armstrace.api import api

    samples: dict[tuple[str, str], dict[str, str]] = {}
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            values = {}
            for param in operation.get("parameters", []):
                if param["in"] != "path":
                    continue
                schema = param.get("schema", {})
                if schema.get("type") == "integer":
                    values[param["name"]] = "999999"
                elif schema.get("format") == "uuid":
                    values[param["name"]] = NO_ID
                else:
                    values[param["name"]] = "x"
            samples[(path, method.upper())] = values
    return samples


def _page_url(route: Route) -> str:
    def sample(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        return {"uuid": NO_ID, "int": "999999"}.get(converter, "x")

    return re.sub(r"<(?:(\w+):)?\w+>", sample, route.path)


def _allowed(user: Any, route: Route) -> bool:
    if route.permission == PUBLIC:
        return True
    if user is None:
        return False
    return route.permission == SIGNED_IN or has_permission(user, VOCABULARY[route.permission])


def _check_page(client: Client, user: Any, route: Route) -> str | None:
    url = _page_url(route)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    status = response.status_code
    if status >= 500:
        return f"{url}: server error {status}"
    if _allowed(user, route):
        narrowed = (
            route.path in NATIONAL_ONLY
            and not user.grants.filter(agency__national_scope=True).exists()
        )
        refused = status == 403 and not narrowed
        return f"{url}: refused ({status}) though the matrix allows it" if refused else None
    if user is None:
        ok = (status == 302 and "/login/" in response["Location"]) or status in (401, 403)
    else:
        ok = status == 403
    return None if ok else f"{url}: answered {status} though the matrix refuses it"


def _check_api(client: Client, user: Any, route: Route, params: dict[str, str]) -> str | None:
    url = route.path
    for name, value in params.items():
        url = url.replace("{" + name + "}", value)
    method = route.methods[0]
    response = client.generic(method, url, "{}", content_type="application/json")
    status = response.status_code
    if status >= 500:
        return f"{method} {url}: server error {status}"
    if user is None and route.permission != PUBLIC:
        return None if status == 401 else f"{method} {url}: answered {status} to anonymous"
    if _allowed(user, route):
        return f"{method} {url}: refused ({status})" if status in (401, 403) else None
    return None if status == 403 else f"{method} {url}: answered {status}, not 403"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_each_persona_as_the_matrix_says(persona, request):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = Client()
    if user is not None:
        client.force_login(user)
    params = _api_params()
    problems, walked = [], 0
    for route in all_routes():
        if route.kind == "page":
            problem = _check_page(client, user, route)
        else:
            sample = params.get((route.path, route.methods[0]), {})
            problem = _check_api(client, user, route, sample)
        walked += 1
        if user is not None and "logout" in route.path:
            client.force_login(user)  # walking the sign-out page signed us out
        if problem:
            problems.append(problem)
    assert walked > 50
    assert not problems, "\n".join(problems)


def test_the_matrix_document_matches_the_code():
    assert MATRIX_FILE.read_text(encoding="utf-8") == matrix_markdown(), (
        "run: armstrace permissions --write docs/permissions.md"
    )
