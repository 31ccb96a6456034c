"""Typed environment reads: defaults, parsing and the errors that name the variable."""
import pytest

from bookinfo_common.settings import (ConfigError, env_flag_exact_true, env_flag_java_boolean,
                                      env_float, env_int, env_port, service_host)


def test_int_default_and_value():
    assert env_int({}, "FLOOD_FACTOR", 0) == 0
    assert env_int({"FLOOD_FACTOR": " 100 "}, "FLOOD_FACTOR", 0) == 100


def test_int_error_names_the_variable():
    with pytest.raises(ConfigError, match="FLOOD_FACTOR must be an integer, got 'lots'"):
        env_int({"FLOOD_FACTOR": "lots"}, "FLOOD_FACTOR", 0)


@pytest.mark.parametrize("value", ["0", "65536", "-1"])
def test_port_range(value):
    with pytest.raises(ConfigError, match="DETAILS_SERVICE_PORT"):
        env_port({"DETAILS_SERVICE_PORT": value}, "DETAILS_SERVICE_PORT", 9080)


def test_float_rejects_negative_and_nan():
    assert env_float({"X": "2.5"}, "X", 1.0) == 2.5
    for bad in ("-1", "nan", "soon"):
        with pytest.raises(ConfigError, match="X must be"):
            env_float({"X": bad}, "X", 1.0)


def test_exact_true_is_case_sensitive_like_ruby_and_node():
    assert env_flag_exact_true({"F": "true"}, "F")
    assert not env_flag_exact_true({"F": "True"}, "F")
    assert not env_flag_exact_true({}, "F")


def test_java_boolean_ignores_case():
    assert env_flag_java_boolean({"F": "TRUE"}, "F", False)
    assert not env_flag_java_boolean({"F": "yes"}, "F", True)
    assert env_flag_java_boolean({}, "F", True)


def test_service_host_defaults_domain_and_ipv6():
    assert service_host({}, "details") == "http://details:9080"
    env = {"REVIEWS_HOSTNAME": "rev", "SERVICES_DOMAIN": "default.svc.cluster.local",
           "REVIEWS_SERVICE_PORT": "9081"}
    assert service_host(env, "reviews") == "http://rev.default.svc.cluster.local:9081"
    assert service_host({"RATINGS_HOSTNAME": "::1"}, "ratings") == "http://[::1]:9080"


def test_service_links_port_variable_is_never_read():
    # Kubernetes service links set DETAILS_PORT=tcp://10.0.0.1:9080; it must not matter.
    assert service_host({"DETAILS_PORT": "tcp://10.0.0.1:9080"}, "details") == "http://details:9080"
