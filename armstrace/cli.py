"""The `armstrace` command for operators.

`armstrace demo` prepares a SQLite database with demo data and serves it; every other
sub-command is a Django management command (`serve`, `migrate`, `createuser`,
`audit verify`, `retention report`, ...).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

KEY_FILE = "secret_key"


def _data_dir() -> Path:
    return Path(os.environ.get("ARMSTRACE_DATA_DIR", "var")).resolve()


def _prepare_demo_environment() -> None:
    """The demo generates its secret key into the data directory and keeps it there."""
    data_dir = Path(os.environ.setdefault("ARMSTRACE_DATA_DIR", "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / KEY_FILE
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    os.environ.setdefault("ARMSTRACE_SECRET_KEY_FILE", str(key_file))


def _use_existing_demo_key() -> None:
    """After a demo, `armstrace serve` and friends find its key; none is ever made up here."""
    if os.environ.get("ARMSTRACE_SECRET_KEY") or os.environ.get("ARMSTRACE_SECRET_KEY_FILE"):
        return
    key_file = _data_dir() / KEY_FILE
    if key_file.is_file():
        os.environ["ARMSTRACE_SECRET_KEY_FILE"] = str(key_file)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "armstrace.settings")
    if args[:1] == ["demo"]:
        _prepare_demo_environment()
    else:
        _use_existing_demo_key()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["armstrace", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
