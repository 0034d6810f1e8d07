"""WSGI entry point (gunicorn lead_portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.base")
application = get_wsgi_application()
