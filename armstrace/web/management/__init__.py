"""Operator commands of the web app: `demo` and `serve`."""

from __future__ import annotations

from django.core.management.base import OutputWrapper
from rich.console import Console


class _Unwrapped:
    """Lets rich write through a command's stdout: OutputWrapper would end every write
    with a newline, and rich writes lines in pieces."""

    def __init__(self, out: OutputWrapper) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return self._out.isatty()


def console_for(out: OutputWrapper) -> Console:
    return Console(file=_Unwrapped(out), highlight=False)  # type: ignore[arg-type]
