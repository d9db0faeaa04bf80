"""The interface's words in the language a journey runs in, read from the catalogues the
served demo uses (pytest runs with Django configured), so a test never guesses a translation
and never matches English text in another language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext

# The languages every journey runs in: one left to right, one right to left, one CJK.
CODES = ["en", "ar", "zh-hans"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Text written in the language's own script (English is absent: any script will do).
SCRIPTS = {"ar": re.compile(r"[\u0600-\u06ff]"), "zh-hans": re.compile(r"[\u3400-\u9fff]")}


@dataclass(frozen=True)
class Language:
    code: str

    def __call__(self, message: str) -> str:
        """The message as the server renders it in this language."""
        with translation.override(self.code):
            return gettext(message)

    def pattern(self, message: str, **groups: str) -> re.Pattern[str]:
        """A regular expression of the translated message, each placeholder standing for
        the regular expression given under its name."""
        translated = self(message)
        parts = PLACEHOLDER.split(translated)  # text, name, text, name, ..., text
        return re.compile(
            "".join(groups[part] if i % 2 else re.escape(part) for i, part in enumerate(parts))
        )

    @property
    def rtl(self) -> bool:
        return bool(translation.get_language_info(self.code)["bidi"])

    def written_in_its_script(self, text: str) -> bool:
        script = SCRIPTS.get(self.code)
        return script is None or bool(script.search(text))
