"""WSGI entry point for production servers."""

import os

from django.core.wsgi import get_wsgi_application

from ojodeagua.lib.chunked import accept_chunked_bodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ojodeagua.settings")
# Chunked bodies (OpenRosa clients may send them) arrive whole (lib/chunked.py).
application = accept_chunked_bodies(get_wsgi_application())
