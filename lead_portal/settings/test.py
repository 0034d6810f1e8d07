"""Settings for the test run: fast password hashing, e-mail kept in memory, eager Celery unless
an integration test points the portal at a real broker."""

import os

# Tests (and type checking, which loads these settings) need no secret from the environment.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5

# Files the tests write (exports, uploads) go to a scratch folder, not the project's var/.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.gettempdir()) / "lead-portal-test-media"

# Tests start the pipeline themselves; the one test of the automatic start turns this on.
PIPELINE_AFTER_INGEST = env.bool("PIPELINE_AFTER_INGEST", default=False)  # noqa: F405
