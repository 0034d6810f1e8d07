"""Settings for the test run: fast password hashing, e-mail kept in memory, eager Celery unless
an integration test points the portal at a real broker."""

import os

# Tests (and type checking, which loads these settings) need no secret from the environment.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5

# Files the tests write (exports, uploads, an alignment run's kept inputs) go to a scratch folder of this
# process, not the project's var/: test databases of parallel workers (pytest-xdist) or of two test runs
# number their rows alike, and one's run would prune another's kept inputs from a shared folder. The
# processes a test starts are handed this folder (tests/integration). Removed when the process ends.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.gettempdir()) / "lead-portal-test-media" / str(os.getpid())
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Tests start the pipeline themselves; the one test of the automatic start turns this on.
PIPELINE_AFTER_INGEST = env.bool("PIPELINE_AFTER_INGEST", default=False)  # noqa: F405
