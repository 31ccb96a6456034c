"""How every verb of the ``bookinfo`` command writes and fails, in one place.

Every failure the user can cause or fix is a ``bookinfo.errors.BookinfoError``: one line
on stderr and exit status 1. kubectl's own lines (``OutputLine``) go to the stream they
belong to and decide the exit status.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence

EXIT_OK, EXIT_ERROR, EXIT_NOT_RUNNING, EXIT_INTERRUPTED = 0, 1, 3, 130


def fail(message: str, every_line: bool = False) -> int:
    """The first line of the message (Envoy's errors append a log tail: the log has it);
    ``every_line`` when each line names a problem of its own (invalid objects)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()] or ["failed"]
    for line in lines if every_line else lines[:1]:
        print(f"bookinfo: error: {line}", file=sys.stderr)
    return EXIT_ERROR


def print_lines(lines: Sequence[str]) -> int:
    """kubectl's lines, each to its stream; EXIT_ERROR if any is an error."""
    try:
        for line in lines:
            stream = sys.stderr if getattr(line, "to_stderr", False) else sys.stdout
            print(line, file=stream, end="\n" if getattr(line, "newline", True) else "")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (`bookinfo get ... | head`): print no more, as kubectl, but finish
        # the command (an apply still updates the running stack).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_ERROR if any(getattr(line, "is_error", False) for line in lines) else EXIT_OK


def interrupt_on_sigterm() -> None:
    """SIGTERM takes the path Ctrl-C takes: whatever a half-done command started is stopped."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """A second Ctrl-C must not cut the shutdown short: it waits until the stack is down."""
    held = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def verb(commands: argparse._SubParsersAction, name: str, summary: str, examples: str,
         description: str | None = None, aliases: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """A verb's parser: ``--help`` shows what it does, its flags and examples."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples.strip().splitlines())
    return commands.add_parser(name, help=summary, description=description or summary, epilog=epilog,
                               aliases=list(aliases), formatter_class=argparse.RawDescriptionHelpFormatter)
