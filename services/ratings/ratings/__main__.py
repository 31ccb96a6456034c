"""``python -m ratings PORT``: upstream's ``node ratings.js PORT`` on the development server."""
import sys

from bookinfo_common.entry import run_development_server

from .app import create_app
from .config import Config

sys.exit(run_development_server("ratings", Config.from_environ, create_app))
