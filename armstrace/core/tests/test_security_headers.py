from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy_and_refuse_framing(client, registrar):
    client.force_login(registrar)
    response = client.get("/weapons/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_api_and_the_sign_in_page_carry_them_too(client):
    for path in ("/login/", "/api/v1/openapi.json"):
        assert "default-src 'self'" in client.get(path)["Content-Security-Policy"]


def test_no_page_template_uses_inline_scripts_or_styles_the_policy_would_block():
    from pathlib import Path

    import armstrace

    root = Path(armstrace.__file__).parent
    offenders = []
    for template in root.glob("**/templates/**/*.html"):
        if "admin" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        if 'style="' in text or "<style" in text or " hx-on" in text:
            offenders.append(str(template.relative_to(root)))
        for line in text.splitlines():
            if "<script" in line and "src=" not in line and "{% htmx_script" not in line:
                offenders.append(f"{template.relative_to(root)}: {line.strip()[:60]}")
    assert offenders == []


def test_the_deployment_checklist_passes_under_production_settings_behind_tls(tmp_path):
    import os
    import secrets
    import subprocess
    import sys

    env = {
        **os.environ,
        "ARMSTRACE_MODE": "production",
        "ARMSTRACE_SECRET_KEY": secrets.token_urlsafe(50),
        "ARMSTRACE_HTTPS": "true",
        "ARMSTRACE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/check.sqlite3",
        "DJANGO_SETTINGS_MODULE": "armstrace.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "armstrace.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_response_says_how_long_the_application_took(client, registrar):
    client.force_login(registrar)
    for path in ("/weapons/", "/api/v1/weapons", "/no-such-page/"):
        timing = client.get(path)["Server-Timing"]
        assert timing.startswith("app;dur=") and float(timing.split("=")[1]) > 0, path
