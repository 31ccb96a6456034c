"""``python -m reviews PORT``: the development server (upstream reviews takes no argument
and always listens on 9080; the image passes 9080)."""
import os
import sys

from bookinfo_common.devserver import run

from .app import create_app
from .config import Config

sys.exit(run("reviews", lambda: create_app(Config.from_environ(os.environ))))
