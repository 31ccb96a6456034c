"""kubectl's pod verbs: ``logs`` and ``exec``."""
from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Added with the verbs."""
