"""Files that readers in other processes may open at any moment: Envoy watches its
resource files, pods read their name tables, later commands read the stack's state."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, rename it over: a reader
    sees the old file or the new one, never half of one, and a crash leaves no torn file.
    Owner-only by default: the stack's files may hold Secret values."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
