"""The WSGI entry point: ``gunicorn -c python:bookinfo_common.gunicorn_conf details.wsgi:app``."""
import os

from bookinfo_common.wsgi_entry import app_or_exit

from .app import create_app
from .config import Config

app = app_or_exit("details", lambda: create_app(Config.from_environ(os.environ)))
