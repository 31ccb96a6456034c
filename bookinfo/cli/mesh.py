"""istioctl's verbs: ``analyze`` and ``proxy-config``."""
from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Added with the verbs."""
