"""Settings come from the environment and production refuses insecure defaults."""

from __future__ import annotations

import os
import subprocess
import sys

from django.contrib.auth.hashers import Argon2PasswordHasher

LOAD_SETTINGS = "import armstrace.settings as s; print(s.DATABASES['default']['ENGINE'])"


def _load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ARMSTRACE_", "DATABASE"))}
    return subprocess.run([sys.executable, "-c", LOAD_SETTINGS], env={**clean, **env},
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    result = _load({"ARMSTRACE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ARMSTRACE_SECRET_KEY" in result.stderr


def test_a_secret_key_file_and_a_database_url_are_read(tmp_path):
    key = tmp_path / "key"
    key.write_text("k" * 50, encoding="utf-8")
    result = _load({"ARMSTRACE_SECRET_KEY_FILE": str(key),
                    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/armstrace"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


def test_without_database_url_the_default_is_sqlite_under_the_data_dir(tmp_path):
    result = _load({"ARMSTRACE_MODE": "development", "ARMSTRACE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_a_bad_boolean_setting_fails_fast(tmp_path):
    result = _load({"ARMSTRACE_MODE": "development", "ARMSTRACE_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "ARMSTRACE_DEBUG must be true or false" in result.stderr


def test_passwords_are_hashed_with_argon2_in_production():
    import armstrace.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hasher = Argon2PasswordHasher()  # the argon2 library is installed and works
    hashed = hasher.encode("correct horse battery staple", hasher.salt())
    assert hashed.startswith("argon2$")
    assert hasher.verify("correct horse battery staple", hashed)
    assert not hasher.verify("wrong", hashed)
