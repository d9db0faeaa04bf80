"""Settings for the test suite and type checking: insecure defaults are allowed."""

import os

os.environ.setdefault("ARMSTRACE_MODE", "test")

from armstrace.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 is tested
# The suite signs personas in with force_login; the two-factor tests switch this on.
ARMSTRACE_REQUIRE_2FA = False
