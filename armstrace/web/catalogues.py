"""The six translation catalogues: update them from the sources, and check that every
message is translated in every language with its placeholders intact.

`armstrace catalogues --update` runs makemessages and compilemessages the one way the
project keeps them (no source locations: they churn on every edit); `--check` is what the
test suite runs.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils.translation import to_locale

# Test code, benchmarks, scripts and docs hold no user-facing message.
IGNORE = ["*/tests/*", "tests", "bench", "scripts", "docs", "conftest.py", "build"]
SOURCE_LANGUAGE = "en"
# A placeholder, a doubled percent sign, an HTML tag or an entity: what a translation keeps.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdrfi]|%[sdrfi]|%%|\{\w*\}|</?[a-zA-Z][^>]*>|&\w+;")


@dataclass(frozen=True)
class Problem:
    language: str
    msgid: str
    reason: str

    def __str__(self) -> str:
        return f"{self.language}: {self.msgid[:70]!r}: {self.reason}"


def locales() -> list[str]:
    """The locale directory names of the translated languages (zh-hans: zh_Hans)."""
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def catalogue_path(locale: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"


def _makemessages(
    locale_list: list[str], *, extra_ignore: tuple[str, ...] = (), keep_pot: bool = False
) -> None:
    call_command(
        "makemessages",
        locale=locale_list,
        ignore_patterns=[*IGNORE, *extra_ignore],
        no_location=True,
        no_obsolete=True,
        keep_pot=keep_pot,
        verbosity=0,
    )


def update() -> None:
    """Merge new and changed source messages into every catalogue, then compile them."""
    _makemessages(locales())
    call_command("compilemessages", locale=locales(), ignore_patterns=[".venv"], verbosity=0)


def source_messages() -> list[polib.POEntry]:
    """The messages the sources hold now (a fresh extraction, the catalogues untouched)."""
    with tempfile.TemporaryDirectory() as tmp:
        locale_dir = Path(tmp) / "locale"
        locale_dir.mkdir()
        # makemessages writes next to any `locale` folder it walks into: hide the real one.
        with override_settings(LOCALE_PATHS=[locale_dir]):
            _makemessages([SOURCE_LANGUAGE], extra_ignore=("locale",), keep_pot=True)
        return list(polib.pofile(str(locale_dir / "django.pot")))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _forms(catalogue: polib.POFile) -> int:
    found = re.search(r"nplurals=(\d+)", catalogue.metadata.get("Plural-Forms", ""))
    return int(found.group(1)) if found else 2


def entry_problems(entry: polib.POEntry, forms: int) -> list[str]:
    """Why `entry`'s translation cannot be shown; empty when it can."""
    if "fuzzy" in entry.flags:
        return ["marked fuzzy: the source changed since it was translated"]
    if not entry.msgid_plural:
        if not entry.msgstr:
            return ["not translated"]
        if placeholders(entry.msgstr) != placeholders(entry.msgid):
            return [f"placeholders {placeholders(entry.msgid)} became {placeholders(entry.msgstr)}"]
        return []
    texts = [entry.msgstr_plural.get(n, "") for n in range(forms)]
    if not all(texts):
        return [f"needs {forms} plural forms"]
    allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
    # The general form keeps every placeholder; the others may leave the count implicit.
    if placeholders(texts[-1]) != placeholders(entry.msgid_plural):
        return [f"the last plural form must keep {placeholders(entry.msgid_plural)}"]
    if any(set(placeholders(text)) - allowed for text in texts):
        return ["a plural form has a placeholder the source does not"]
    return []


def _compiled_matches(po_path: Path, catalogue: polib.POFile) -> bool:
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.is_file():
        return False
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))
    }
    return all(
        compiled.get((e.msgctxt, e.msgid)) == (e.msgstr, e.msgstr_plural)
        for e in catalogue.translated_entries()
    )


def check(messages: list[polib.POEntry] | None = None) -> list[Problem]:
    """Every source message translated in every catalogue, compiled as written."""
    wanted = source_messages() if messages is None else messages
    problems: list[Problem] = []
    for locale in locales():
        path = catalogue_path(locale)
        if not path.is_file():
            problems.append(Problem(locale, "", f"no catalogue at {path}"))
            continue
        catalogue = polib.pofile(str(path))
        entries = {(e.msgctxt, e.msgid): e for e in catalogue if not e.obsolete}
        forms = _forms(catalogue)
        for message in wanted:
            entry = entries.get((message.msgctxt, message.msgid))
            reasons = ["missing"] if entry is None else entry_problems(entry, forms)
            problems += [Problem(locale, message.msgid, reason) for reason in reasons]
        if not _compiled_matches(path, catalogue):
            problems.append(Problem(locale, "", "the .mo file is older than the .po file"))
    return problems
