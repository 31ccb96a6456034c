"""``python -m details PORT``: upstream's ``details.rb PORT`` on the development server."""
import os
import sys

from bookinfo_common.devserver import run

from .app import create_app
from .config import Config

sys.exit(run("details", lambda: create_app(Config.from_environ(os.environ))))
