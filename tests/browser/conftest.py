"""A real ArmsTrace, served in its own process, driven by Chromium through Playwright.

The server is the one operators run: `armstrace demo --no-serve` fills a database of its
own (a SQLite file; on the PostgreSQL pass a database created on the test server), then
`armstrace serve` answers on a free port. Nothing is shared with the pytest-django test
database, so the browser sees what users see, commits included.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.utils.text import capfirst
from django_otp.oath import hotp

from tests.browser.i18n import CODES, Language

CHROMIUM = Path(os.environ.get("ARMSTRACE_CHROMIUM", "/usr/bin/chromium"))
# The README's pictures are refreshed on demand (ARMSTRACE_SCREENSHOTS=docs/screenshots);
# otherwise they go to a temporary directory, so a test run leaves the tree as it was.
SCREENSHOTS = Path(os.environ.get("ARMSTRACE_SCREENSHOTS") or tempfile.mkdtemp(prefix="shots-"))
DEMO_WEAPONS = "300"
TOTP_STEP = 30  # seconds, django-otp's default
TOTP_MARGIN = 3  # seconds: a code is not computed this close to the end of its step


@dataclass
class Authenticator:
    """What the server knows of a user's authenticator: the last time step used and the
    drift it has learnt (django-otp follows the step of each accepted code)."""

    last_step: int = -1
    drift: int = 0


@dataclass(frozen=True)
class Site:
    url: str
    passwords: dict[str, str]  # username -> password, from the demo's credentials file
    totp_secrets: dict[str, str]  # username -> base32 secret (points of contact, admins)
    authenticators: dict[str, Authenticator] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    """SQLite (empty: the data directory's file), or a fresh database on the test server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return ""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS armstrace_browser")
        conn.execute("CREATE DATABASE armstrace_browser")
    return url.rsplit("/", 1)[0] + "/armstrace_browser"


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer {url} within {seconds} s")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("browser-site")
    env = {
        **os.environ,
        "ARMSTRACE_DATA_DIR": str(data),
        "DATABASE_URL": _database_url(),
        "ARMSTRACE_LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "armstrace.settings",
    }
    env.pop("ARMSTRACE_MODE", None)  # production mode, as the demo runs
    cli = [sys.executable, "-m", "armstrace.cli"]
    subprocess.run(
        [*cli, "demo", "--no-serve", "--weapons", DEMO_WEAPONS],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    passwords, secrets = {}, {}
    for line in (data / "demo-credentials.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            username, password, *rest = line.split("\t")
            passwords[username] = password
            if len(rest) >= 3 and rest[2]:
                secrets[username] = rest[2]
    env["ARMSTRACE_SECRET_KEY_FILE"] = str(data / "secret_key")
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/login/", server)
        yield Site(url, passwords, secrets)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `apt-get install chromium` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(params=CODES)
def language(request: pytest.FixtureRequest) -> Language:
    """Each journey runs once in every language of CODES."""
    return Language(request.param)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def page_language(page: Any) -> Language:
    """The language the page is in now (html[lang])."""
    return Language(page.locator("html").get_attribute("lang"))


def choose_language(page: Any, language: Language) -> None:
    """Choose with the header's form, labelled in the language the page is in now."""
    current = page_language(page)
    form = page.locator("header form.language")
    form.get_by_label(current("Language"), exact=True).select_option(language.code)
    with page.expect_navigation():
        form.get_by_role("button", name=current("Change"), exact=True).click()
    assert page_language(page) == language


def sign_in(page: Any, site: Site, username: str, language: Language | None = None) -> None:
    """Open the sign-in page, choose the language if asked (before signing in: a choice
    made once signed in is saved on the account, and the demo users are shared by every
    test), then sign in through the forms labelled in the page's language."""
    page.goto(f"{site.url}/login/")
    if language is not None and page_language(page) != language:
        choose_language(page, language)
    words = page_language(page)
    form = page.locator("main form")
    # Django's sign-in form: the user model's verbose name, and a colon after each label.
    form.get_by_label(capfirst(words("username"))).fill(username)
    form.get_by_label(words("Password")).fill(site.passwords[username])
    with page.expect_navigation():
        form.get_by_role("button", name=words("Sign in"), exact=True).click()
    if "/login/verify/" in page.url:  # the second step of points of contact and admins
        form.get_by_label(words("Code from your authenticator app")).fill(totp_code(site, username))
        with page.expect_navigation():
            form.get_by_role("button", name=words("Confirm"), exact=True).click()
    assert "/login/" not in page.url, page.locator("main").inner_text()


def totp_code(site: Site, username: str) -> str:
    """A code the server has not seen yet. django-otp accepts a time step once, and only
    within one step of the drift it learnt; a user signed in several times a minute gets
    the next unused step, as from a phone running ahead, which the server then follows."""
    state = site.authenticators.setdefault(username, Authenticator())
    while time.time() % TOTP_STEP > TOTP_STEP - TOTP_MARGIN:  # the server sees this step
        time.sleep(0.2)
    now = int(time.time()) // TOTP_STEP
    step = max(state.last_step + 1, now + state.drift)
    state.last_step, state.drift = step, step - now
    return f"{hotp(base64.b32decode(site.totp_secrets[username]), step):06d}"


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Keep a picture of the page for the README tour (docs/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
