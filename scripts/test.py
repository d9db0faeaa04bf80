"""The whole test command: linters, type checks, layer contract, migrations, and the test
suite on SQLite and then on a throwaway PostgreSQL. Exits non-zero if any step fails."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "armstrace.test_settings",
    "ARMSTRACE_DATA_DIR": tempfile.mkdtemp(prefix="armstrace-test-"),
}


def run(title: str, command: list[str]) -> bool:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    code = subprocess.call(command, cwd=ROOT, env=ENV)
    print(
        f"=== {title}: {'ok' if code == 0 else f'FAILED ({code})'} "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return code == 0


# The browser tests drive Debian's Chromium (Playwright's own download is not used); a CJK
# font lets Chromium and the PDF forms draw Chinese (DejaVu, installed, covers Arabic).
SYSTEM_PACKAGES = {
    "chromium": Path("/usr/bin/chromium"),
    "fonts-wqy-microhei": Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
}


def ensure_system_packages() -> None:
    missing = [name for name, path in SYSTEM_PACKAGES.items() if not path.exists()]
    if not missing or os.geteuid() != 0:
        return
    print(f"\n=== installing {', '.join(missing)} for the tests (apt-get)", flush=True)
    subprocess.call(["apt-get", "update", "-qq"])
    subprocess.call(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing])


def main() -> int:
    ensure_system_packages()
    pytest = [str(BIN / "pytest"), *sys.argv[1:]]
    steps = [
        ("ruff", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("mypy", [str(BIN / "mypy"), "armstrace", "scripts", "bench", "conftest.py"]),
        ("import layers", [str(BIN / "lint-imports")]),
        ("migrations", [str(BIN / "django-admin"), "makemigrations", "--check", "--dry-run"]),
        ("tests on SQLite", pytest),
        ("tests on PostgreSQL", [sys.executable, "scripts/pgtemp.py", "--", *pytest]),
    ]
    failed = [title for title, command in steps if not run(title, command)]
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", flush=True)
        return 1
    print("\nall checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
