"""``python -m productpage PORT``: upstream's ``python productpage.py <port>``."""
import sys

from bookinfo_common.entry import run_development_server

from .app import create_app
from .config import Config

sys.exit(run_development_server("productpage", Config.from_environ, create_app))
