"""The WSGI entry point: ``gunicorn -c python:bookinfo_common.gunicorn_conf productpage.wsgi:app``.

A bad setting is reported in one line naming the variable, then the process exits with
status 3 (gunicorn's "worker failed to boot"), without a traceback.
"""
import os

from bookinfo_common.wsgi_entry import app_or_exit

from .app import create_app
from .config import Config

app = app_or_exit("productpage", lambda: create_app(Config.from_environ(os.environ)))
