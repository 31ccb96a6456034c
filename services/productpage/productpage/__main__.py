"""``python -m productpage PORT``: upstream's ``python productpage.py <port>``."""
import os
import sys

from bookinfo_common.devserver import run

from .app import create_app
from .config import Config

sys.exit(run("productpage", lambda: create_app(Config.from_environ(os.environ))))
