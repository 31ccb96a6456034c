"""``python -m bookinfo``: the same as the installed ``bookinfo`` command."""
import sys

from .cli import main

sys.exit(main())
