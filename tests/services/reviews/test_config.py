"""reviews settings: versions are configurations
(docs/upstream-behaviour.md#reviews-environment-and-versions)."""
from __future__ import annotations

import pytest

from bookinfo_common.settings import ConfigError
from reviews.config import Config


@pytest.mark.parametrize("value, enabled", [
    ("true", True), ("TRUE", True), ("True", True), ("yes", False), ("1", False), ("", False),
])
def test_enable_ratings_is_java_boolean_valueof(value, enabled):
    assert Config.from_environ({"ENABLE_RATINGS": value}).ratings_enabled is enabled


def test_defaults_are_v1():
    config = Config.from_environ({})
    assert (config.ratings_enabled, config.star_color, config.podname, config.clustername) == \
        (False, "black", "null", "null")
    assert config.ratings_url == "http://ratings:9080"


@pytest.mark.parametrize("color, timeout", [("black", 10.0), ("red", 2.5), ("Black", 2.5), ("", 2.5)])
def test_ratings_timeout_is_keyed_on_the_colour(color, timeout):
    assert Config.from_environ({"STAR_COLOR": color}).ratings_timeout_seconds == timeout


def test_ratings_address_uses_hostname_domain_and_port():
    config = Config.from_environ({"RATINGS_HOSTNAME": "r", "SERVICES_DOMAIN": "ns.svc", "RATINGS_SERVICE_PORT": "8080",
                                  "RATINGS_PORT": "tcp://10.0.0.1:9080"})
    assert config.ratings_url == "http://r.ns.svc:8080"


def test_a_bad_ratings_port_is_a_config_error():
    with pytest.raises(ConfigError, match="RATINGS_SERVICE_PORT"):
        Config.from_environ({"RATINGS_SERVICE_PORT": "http"})


def test_the_connection_to_ratings_is_reused_only_when_asked():
    assert not Config.from_environ({}).reuse_connections
    assert Config.from_environ({"BOOKINFO_REUSE_CONNECTIONS": "true"}).reuse_connections
    with pytest.raises(ConfigError, match="BOOKINFO_REUSE_CONNECTIONS"):
        Config.from_environ({"BOOKINFO_REUSE_CONNECTIONS": "on"})
