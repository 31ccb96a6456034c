"""The shared build scripts (services/common/docker/) and the Dockerfiles that run them.

Every service Dockerfile leaves what all images do the same way to these scripts, so the
checks here are that each Dockerfile copies and runs them (and repeats none of their
work), that the build context sends them, and that the two builder scripts do on this
host what the images rely on. prepare-runtime.sh adds a user to the system it runs on,
so only the container tests (tests/images/containers) run it.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from tools.images import bake, build

REPO = bake.REPO
SCRIPTS = REPO / "services/common/docker"
SERVICE_DOCKERFILES = sorted({REPO / target.dockerfile for target in build.service_targets(bake.load())})
# Which stage runs which script: builder (first FROM) or runtime (last FROM).
STAGE_SCRIPTS = {"builder": ("install-venv.sh", "compile-code.sh"), "runtime": ("prepare-runtime.sh",)}
# Commands that belong to the scripts; a Dockerfile naming one is doing their work again.
SCRIPT_WORK = ("pip install", "compileall", "useradd", "groupadd", "apt-get", "python3 -m venv")


def _instructions(stage: str) -> list[tuple[str, str]]:
    """``(KEYWORD, arguments)`` per instruction, continuation lines joined, comments dropped."""
    lines = [line for line in stage.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(m.group(1).upper(), m.group(2)) for m in re.finditer(r"^(\w+)\s+(.*)$", joined, re.M)]


def _stages(dockerfile: Path) -> dict[str, list[tuple[str, str]]]:
    stages = re.split(r"^(?=FROM )", dockerfile.read_text(), flags=re.M)[1:]
    return {"builder": _instructions(stages[0]), "runtime": _instructions(stages[-1])}


def _copied_scripts(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """``{script name: its path in the image}`` for the scripts the stage copies in."""
    copied = {}
    for keyword, arguments in instructions:
        if keyword != "COPY" or "--from" in arguments:
            continue
        *sources, destination = arguments.split()
        for source in sources:
            if source.startswith("services/common/docker/"):
                name = Path(source).name
                copied[name] = f"{destination.rstrip('/')}/{name}" if destination.endswith("/") else destination
    return copied


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES, ids=lambda p: p.parent.name)
def test_each_stage_copies_in_and_runs_its_shared_scripts(dockerfile: Path):
    for stage, instructions in _stages(dockerfile).items():
        copied = _copied_scripts(instructions)
        runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
        for script in STAGE_SCRIPTS[stage]:
            assert script in copied, f"{dockerfile.parent.name}'s {stage} stage does not copy {script}"
            assert any(run.startswith(f"sh {copied[script]}") for run in runs), \
                f"{dockerfile.parent.name}'s {stage} stage does not run {copied[script]}"


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES, ids=lambda p: p.parent.name)
def test_the_runtime_is_prepared_before_the_builder_output_arrives(dockerfile: Path):
    # Run first, the preparation is one layer that every service image shares.
    runtime = _stages(dockerfile)["runtime"]
    prepared = next(i for i, (keyword, arguments) in enumerate(runtime)
                    if keyword == "RUN" and "prepare-runtime.sh" in arguments)
    first_from_builder = next(i for i, (keyword, arguments) in enumerate(runtime)
                              if keyword == "COPY" and "--from=builder" in arguments)
    assert prepared < first_from_builder


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES, ids=lambda p: p.parent.name)
def test_no_dockerfile_does_the_scripts_work_itself(dockerfile: Path):
    runs = " ".join(arguments for stage in _stages(dockerfile).values()
                    for keyword, arguments in stage if keyword == "RUN")
    assert [command for command in SCRIPT_WORK if command in runs] == []


def _dockerignore_sends(path: str) -> bool:
    """Whether the build context holds ``path``, by .dockerignore's rules.

    The last pattern matching the path or one of its parent folders decides; ``!`` keeps.
    """
    sent = True
    prefixes = ["/".join(path.split("/")[:i]) for i in range(1, path.count("/") + 2)]
    for line in (REPO / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        keep = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            sent = keep
    return sent


def test_the_build_context_sends_every_script():
    scripts = sorted(SCRIPTS.glob("*.sh"))
    assert {script.name for script in scripts} == {name for names in STAGE_SCRIPTS.values() for name in names}
    for script in scripts:
        assert _dockerignore_sends(str(script.relative_to(REPO))), f".dockerignore leaves out {script.name}"
    assert not _dockerignore_sends("services/productpage/productpage/__pycache__/app.cpython-311.pyc")


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.sh")), ids=lambda p: p.name)
def test_scripts_are_posix_shell(script: Path):
    # The Dockerfiles run them with `sh`: dash on Debian bases, which knows no bashisms.
    result = subprocess.run(["dash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


# --- what the builder scripts do ------------------------------------------------------


def _write_wheel(wheelhouse: Path, version: str) -> None:
    """A pure-Python wheel of the package ``bookinfo_probe``, whose ANSWER is its version."""
    files = {"bookinfo_probe/__init__.py": f"ANSWER = {version!r}\n",
             f"bookinfo_probe-{version}.dist-info/METADATA":
                 f"Metadata-Version: 2.1\nName: bookinfo-probe\nVersion: {version}\n",
             f"bookinfo_probe-{version}.dist-info/WHEEL":
                 "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append(f"bookinfo_probe-{version}.dist-info/RECORD,,")
    files[f"bookinfo_probe-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(wheelhouse / f"bookinfo_probe-{version}-py3-none-any.whl", "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)


def _install_venv(venv: Path, constraints: Path, requirements: Path, **environ: str):
    return subprocess.run(["sh", str(SCRIPTS / "install-venv.sh"), str(venv), str(constraints), str(requirements)],
                          env={**os.environ, **environ}, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict[str, Path]:
    """A wheelhouse with two versions of one package, constraints pinning the older."""
    root = tmp_path_factory.mktemp("install-venv")
    wheelhouse = root / "wheelhouse"
    wheelhouse.mkdir()
    for version in ("1.0", "2.0"):
        _write_wheel(wheelhouse, version)
    (root / "constraints.txt").write_text("bookinfo-probe==1.0\n")
    (root / "requirements.txt").write_text("bookinfo-probe\n")
    return {"root": root, "wheelhouse": wheelhouse,
            "constraints": root / "constraints.txt", "requirements": root / "requirements.txt"}


@pytest.fixture(scope="module")
def venv(project) -> Path:
    venv = project["root"] / "venv"
    result = _install_venv(venv, project["constraints"], project["requirements"],
                           PIP_SOURCE="wheelhouse", WHEELHOUSE=str(project["wheelhouse"]))
    assert result.returncode == 0, result.stdout + result.stderr
    return venv


def _venv_python(venv: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin/python"), "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_install_venv_installs_the_constrained_version_from_the_wheelhouse(venv: Path):
    result = _venv_python(venv, "import bookinfo_probe; print(bookinfo_probe.ANSWER, bookinfo_probe.__file__)")
    answer, location = result.stdout.split()
    assert answer == "1.0"
    assert location.endswith("bookinfo_probe/__init__.pyc")


@pytest.mark.slow
def test_install_venv_keeps_byte_code_only_and_no_pip(venv: Path):
    library = venv / "lib"
    assert list(library.rglob("*.py")) == []
    assert list(library.rglob("__pycache__")) == []
    assert list(library.rglob("*.pyc"))
    assert not (venv / "bin/pip").exists()
    assert _venv_python(venv, "import pip").returncode != 0


def test_install_venv_refuses_an_unknown_pip_source(project):
    venv = project["root"] / "refused"
    result = _install_venv(venv, project["constraints"], project["requirements"], PIP_SOURCE="pypi")
    assert result.returncode == 2
    assert "PIP_SOURCE must be 'index' or 'wheelhouse', not 'pypi'" in result.stderr
    assert not venv.exists()


def test_compile_code_writes_byte_code_that_ignores_timestamps(tmp_path: Path):
    package = tmp_path / "service"
    package.mkdir()
    (package / "app.py").write_text("NAME = 'app'\n")
    result = subprocess.run(["sh", str(SCRIPTS / "compile-code.sh"), str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    [compiled] = (package / "__pycache__").glob("app.*.pyc")
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, source not checked (PEP 552)
