"""productpage's environment variables, the signing key and the start-up failure
(docs/upstream-behaviour.md#productpage-process-and-environment)."""
import subprocess
import sys

import pytest

from bookinfo_common.settings import ConfigError
from productpage.config import DEMO_SECRET_KEY, Config
from tests.support.processes import REPO


def test_defaults_are_upstreams():
    config = Config.from_environ({})
    assert (config.details_url, config.reviews_url, config.ratings_url) == (
        "http://details:9080", "http://reviews:9080", "http://ratings:9080")
    assert config.flood_factor == 0
    assert config.secret_key == DEMO_SECRET_KEY and config.uses_demo_secret_key
    assert not config.export_spans


def test_hosts_ports_and_domain():
    config = Config.from_environ({
        "DETAILS_HOSTNAME": "d", "DETAILS_SERVICE_PORT": "1234", "SERVICES_DOMAIN": "ns.svc.cluster.local",
        # Kubernetes service links: must be ignored.
        "REVIEWS_PORT": "tcp://10.0.0.1:9080",
    })
    assert config.details_url == "http://d.ns.svc.cluster.local:1234"
    assert config.reviews_url == "http://reviews.ns.svc.cluster.local:9080"


def test_flood_factor_parsed():
    assert Config.from_environ({"FLOOD_FACTOR": "100"}).flood_factor == 100


@pytest.mark.parametrize("value", ["abc", "1.5", "-1"])
def test_bad_flood_factor_is_a_config_error_naming_it(value):
    with pytest.raises(ConfigError, match="FLOOD_FACTOR"):
        Config.from_environ({"FLOOD_FACTOR": value})


def test_secret_key_from_the_environment():
    config = Config.from_environ({"FLASK_SECRET_KEY": "s3cret"})
    assert config.secret_key == b"s3cret" and not config.uses_demo_secret_key
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY"):
        Config.from_environ({"FLASK_SECRET_KEY": ""})


def test_export_flag_follows_the_otlp_variables():
    assert Config.from_environ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}).export_spans


def test_connections_are_reused_only_when_asked():
    assert not Config.from_environ({}).reuse_connections
    assert Config.from_environ({"BOOKINFO_REUSE_CONNECTIONS": "true"}).reuse_connections
    with pytest.raises(ConfigError, match="BOOKINFO_REUSE_CONNECTIONS"):
        Config.from_environ({"BOOKINFO_REUSE_CONNECTIONS": "1"})


def test_wsgi_exits_3_with_one_line_naming_the_variable():
    result = subprocess.run([sys.executable, "-c", "import productpage.wsgi"], cwd=REPO,
                            env={"FLOOD_FACTOR": "lots", "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 3
    assert "FLOOD_FACTOR" in output and "Traceback" not in output
