import pytest

from bookinfo.mesh.durations import DurationError, envoy_duration, seconds


@pytest.mark.parametrize("text, expected", [("7s", "7s"), ("0.5s", "0.5s"), ("500ms", "0.5s"),
                                            ("1m", "60s"), ("1h30m", "5400s"), ("250us", "0.00025s")])
def test_istio_and_gateway_api_durations(text, expected):
    assert envoy_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "s", "7 s", "-1s", "1s2", "1d"])
def test_malformed_durations_are_refused(text):
    with pytest.raises(DurationError):
        seconds(text)
