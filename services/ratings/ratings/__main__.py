"""``python -m ratings PORT``: upstream's ``node ratings.js PORT`` on the development server."""
import os
import sys

from bookinfo_common.devserver import run

from .app import create_app
from .config import Config

sys.exit(run("ratings", lambda: create_app(Config.from_environ(os.environ))))
