"""The interface in the six UN languages: every message marked and translated, the language
chosen per user, dates and numbers localised, Arabic right to left, every page whole in
every language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.db import transaction
from django.template.base import Lexer, TokenType
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from armstrace.accounts.models import User
from armstrace.accounts.permissions import VOCABULARY, has_permission
from armstrace.audit.models import AuditEntry
from armstrace.registry.models import Weapon
from armstrace.tracing.models import TraceRequest
from armstrace.web import catalogues, demo
from armstrace.web.routes import PUBLIC, SIGNED_IN, page_routes

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TEMPLATES = Path(__file__).resolve().parents[2]
# Text that reads the same in every language.
UNTRANSLATABLE = {"ArmsTrace", "SHA-256"}
TRANSLATED_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
MARKER = "\u2063"  # stands for a template tag; HTMLParser accepts it even inside a tag name


class _Text(HTMLParser):
    """The words a reader sees: text outside tags, and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")
        self.words += [v for k, v in attrs if k in TRANSLATED_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.words.append(data.strip())


def _literal_text(source: str) -> str:
    """The template with every tag, variable and translation block replaced by a marker."""
    parts, translating = [], False
    for token in Lexer(source).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK else ""
        translating = (translating or name in ("blocktrans", "blocktranslate")) and name not in (
            "endblocktrans",
            "endblocktranslate",
        )
        literal = token.token_type == TokenType.TEXT and not translating
        parts.append(token.contents if literal else MARKER)
    return "".join(parts)


def untranslated_text(source: str) -> list[str]:
    parser = _Text()
    parser.feed(_literal_text(source))
    found = []
    for words in parser.words:
        for piece in words.split(MARKER):
            piece = piece.strip(" \n·|/:,.()–—")
            if re.search(r"[^\W\d_]{2}", piece) and piece not in UNTRANSLATABLE:
                found.append(piece)
    return found


def test_the_scanner_finds_text_outside_translation_tags():
    source = (
        '{% load i18n %}<p title="Open">{% translate "Fine" %} Stray words</p>'
        "{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %}<b>{{ x }}</b> ArmsTrace"
    )
    assert untranslated_text(source) == ["Open", "Stray words"]


def test_every_template_text_is_marked_for_translation():
    found = {
        str(path.relative_to(TEMPLATES)): text
        for path in sorted(TEMPLATES.rglob("templates/**/*.html"))
        if (text := untranslated_text(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_every_message_is_translated_in_all_six_catalogues():
    messages = catalogues.source_messages()
    assert len(messages) > 1000
    problems = catalogues.check(messages)
    assert [str(p) for p in problems[:50]] == [], f"{len(problems)} problems"


def test_the_catalogue_check_names_an_untranslated_or_broken_message():
    entry = polib.POEntry(msgid="Serial %(serial)s", msgstr="Série %(numéro)s")
    assert catalogues.entry_problems(entry, 2) == [
        "placeholders ['%(serial)s'] became ['%(numéro)s']"
    ]
    plural = polib.POEntry(
        msgid="%(n)s weapon", msgid_plural="%(n)s weapons", msgstr_plural={0: "une arme"}
    )
    assert catalogues.entry_problems(plural, 2) == ["needs 2 plural forms"]
    assert catalogues.entry_problems(polib.POEntry(msgid="Save"), 2) == ["not translated"]


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@pytest.mark.django_db
def test_a_visitor_chooses_a_language_and_the_sign_in_page_follows(client):
    response = client.post("/language/", {"language": "fr", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get("/login/").content.decode()
    assert '<html lang="fr"' in page
    assert _in("fr", "Sign in") != "Sign in" and _in("fr", "Sign in") in page


@pytest.mark.django_db
def test_a_signed_in_user_keeps_the_chosen_language_in_every_later_session(registrar):
    client = Client()
    client.force_login(registrar)
    client.post("/language/", {"language": "ar", "next": "/"})
    registrar.refresh_from_db()
    assert registrar.preferred_language == "ar"
    entry = AuditEntry.objects.get(tag="accounts:user:language")
    assert entry.data == {"from": "", "to": "ar"}

    later = Client(headers={"accept-language": "es"})  # another browser, no cookie
    later.force_login(registrar)
    page = later.get("/weapons/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert _in("ar", "Weapons") in page


@pytest.mark.django_db
def test_an_unknown_language_is_refused_and_nothing_changes(registrar):
    client = Client()
    client.force_login(registrar)
    response = client.post("/language/", {"language": "xx", "next": "/weapons/"}, follow=True)
    registrar.refresh_from_db()
    assert registrar.preferred_language == ""
    assert _in("en", "Choose one of the languages offered.") in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_the_browser_language_applies_until_a_user_chooses(registrar):
    client = Client(headers={"accept-language": "ru,en;q=0.5"})
    client.force_login(registrar)
    page = client.get("/weapons/").content.decode()
    assert '<html lang="ru"' in page and _in("ru", "Weapons") in page


@pytest.mark.django_db
def test_dates_and_numbers_follow_the_language(registrar, weapon_factory):
    weapon = weapon_factory()
    Weapon.objects.filter(pk=weapon.pk).update(last_event_on="2026-03-04")
    user = User.objects.get(pk=registrar.pk)
    client = Client()
    client.force_login(user)
    pages = {}
    for language in ("en", "fr", "zh-hans", "ar"):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        pages[language] = client.get(f"/weapons/{weapon.pk}/").content.decode()
    assert "2026-03-04" in pages["en"]  # ISO order in English, not the American 03/04/2026
    assert "04/03/2026" in pages["fr"]
    assert "2026年3月4日" in pages["zh-hans"]
    assert "04\u200f/03\u200f/2026" in pages["ar"]  # day first, with right-to-left marks


@pytest.fixture(scope="class")
def users(django_db_setup, django_db_blocker):
    """A small demo registry for the tests of a class, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.build_demo(weapons=40, seed=3)
        yield list(User.objects.filter(is_active=True).order_by("username"))
        transaction.set_rollback(True)


class TestEveryPageInEveryLanguage:
    """One small demo registry; each page opened in each language by a user allowed to."""

    def _viewer(self, users: list[User], permission: str) -> User | None:
        if permission in (PUBLIC, SIGNED_IN):
            return users[0]
        return next((u for u in users if has_permission(u, VOCABULARY[permission])), None)

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_every_page_opens_whole_in(self, users, db, language):
        weapon = Weapon.objects.order_by("serial_number").first()
        assert weapon is not None
        trace = TraceRequest.objects.order_by("created_at").first()
        ids = {"weapon": weapon.pk, "trace": trace.request_id if trace else None}
        opened = 0
        for route in page_routes():
            path = _sample_path(route.path, ids)
            viewer = self._viewer(users, route.permission)
            if path is None or viewer is None:
                continue
            client = Client()
            client.force_login(viewer)
            viewer.preferred_language = language
            viewer.save(update_fields=["preferred_language"])
            response = client.get(path)
            # An object of another agency may be refused; nothing may fail.
            allowed = (200, 302, 405) if path == route.path else (200, 302, 403, 404, 405)
            assert response.status_code in allowed, (path, response.status_code)
            if response.status_code == 200 and response.content.startswith(b"<!doctype"):
                assert f'<html lang="{language}"' in response.content.decode(), path
                opened += 1
        assert opened > 25


def _sample_path(path: str, ids: Mapping[str, object]) -> str | None:
    """A route with its id filled in where the demo has one; None for other parameters."""
    if "<" not in path:
        return path
    if path.startswith("/weapons/<uuid:pk>/") and path.count("<") == 1:
        return path.replace("<uuid:pk>", str(ids["weapon"]))
    if path.startswith("/tracing/<str:request_id>/") and path.count("<") == 1 and ids["trace"]:
        return path.replace("<str:request_id>", str(ids["trace"]))
    return None
