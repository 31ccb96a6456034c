"""``details.wsgi:app``: the app gunicorn serves (``bookinfo_common.entry`` builds it)."""
from bookinfo_common.entry import app_from_environ

from .app import create_app
from .config import Config

app = app_from_environ("details", Config.from_environ, create_app)
