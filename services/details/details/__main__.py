"""``python -m details PORT``: upstream's ``details.rb PORT`` on the development server."""
import sys

from bookinfo_common.entry import run_development_server

from .app import create_app
from .config import Config

sys.exit(run_development_server("details", Config.from_environ, create_app))
