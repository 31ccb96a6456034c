"""``python -m reviews PORT``: the development server (upstream reviews takes no argument
and always listens on 9080)."""
import sys

from bookinfo_common.entry import run_development_server

from .app import create_app
from .config import Config

sys.exit(run_development_server("reviews", Config.from_environ, create_app))
