"""The fault-mode images: rates over many requests, and phases that flip on time
(docs/upstream-behaviour.md#ratings-routing-and-answers).

Rates are counted over 400 in-process requests with the default probability 0.5:
the count is Binomial(400, 0.5) (mean 200, sd 10), and 150..250 is ±5 sd, so a
correct service fails these tests less than once in a million runs.
"""
from __future__ import annotations

import logging
import time

import pytest

from tests.support.net import wait_until

from .conftest import ratings_client

REQUESTS = 400
LOW, HIGH = 150, 250
OK = b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}'
UNAVAILABLE = b'{"error":"Service unavailable"}'


def test_v_faulty_fails_about_half_of_the_gets():
    client = ratings_client(SERVICE_VERSION="v-faulty")
    answers = [client.get("/ratings/0") for _ in range(REQUESTS)]
    failed = [a for a in answers if a.status_code == 503]
    assert LOW <= len(failed) <= HIGH
    assert all(a.data == UNAVAILABLE for a in failed)
    assert all(a.data == OK for a in answers if a.status_code != 503)
    assert client.get("/health").status_code == 200


def test_v_faulty_probability_is_configurable():
    client = ratings_client(SERVICE_VERSION="v-faulty", RATINGS_FAULT_PROBABILITY="1")
    assert {client.get("/ratings/0").status_code for _ in range(20)} == {503}
    client = ratings_client(SERVICE_VERSION="v-faulty", RATINGS_FAULT_PROBABILITY="0")
    assert {client.get("/ratings/0").status_code for _ in range(20)} == {200}


def test_v_faulty_still_stores_posts_and_checks_ids():
    client = ratings_client(SERVICE_VERSION="v-faulty", RATINGS_FAULT_PROBABILITY="1")
    assert client.get("/ratings/abc").status_code == 400
    assert client.post("/ratings/1", data=b"3").status_code == 200


def test_v_delayed_delays_about_half_of_the_gets(caplog):
    client = ratings_client(SERVICE_VERSION="v-delayed", RATINGS_DELAY_SECONDS="0")
    with caplog.at_level(logging.INFO, logger="ratings.faults"):
        answers = [client.get("/ratings/0") for _ in range(REQUESTS)]
    delayed = [r for r in caplog.records if r.name == "ratings.faults" and "delaying" in r.getMessage()]
    assert LOW <= len(delayed) <= HIGH
    assert all(a.status_code == 200 and a.data == OK for a in answers)


def test_v_delayed_really_waits():
    client = ratings_client(SERVICE_VERSION="v-delayed", RATINGS_FAULT_PROBABILITY="1", RATINGS_DELAY_SECONDS="0.5")
    started = time.monotonic()
    response = client.get("/ratings/0")
    assert response.data == OK
    assert time.monotonic() - started >= 0.5


@pytest.mark.slow
def test_v_unavailable_flips_every_period_and_stays_healthy():
    period = 1.0
    before = time.monotonic()
    client = ratings_client(SERVICE_VERSION="v-unavailable", RATINGS_UNAVAILABLE_PERIOD_SECONDS=str(period))
    assert client.get("/ratings/0").data == OK  # starts available
    wait_until(lambda: client.get("/ratings/0").data == UNAVAILABLE, timeout=10, what="unavailable phase")
    assert time.monotonic() - before >= period
    assert client.get("/health").status_code == 200
    wait_until(lambda: client.get("/ratings/0").data == OK, timeout=10, what="available again")
    assert time.monotonic() - before >= 2 * period


HEALTHY = (200, b'{"status":"Ratings is healthy"}', 200)
UNHEALTHY = (500, b'{"status":"Ratings is not healthy"}', 503)


@pytest.mark.slow
def test_v_unhealthy_flips_health_and_availability_together():
    period = 1.0
    before = time.monotonic()
    client = ratings_client(SERVICE_VERSION="v-unhealthy", RATINGS_UNHEALTHY_PERIOD_SECONDS=str(period))
    samples = []

    def sample():
        """Health and ratings taken within one phase (health unchanged around the GET)."""
        while True:
            health = client.get("/health")
            ratings = client.get("/ratings/0")
            if client.get("/health").status_code == health.status_code:
                samples.append((health.status_code, health.data, ratings.status_code))
                return samples[-1]

    assert sample() == HEALTHY
    wait_until(lambda: sample() == UNHEALTHY, timeout=10, what="unhealthy phase")
    assert time.monotonic() - before >= period
    wait_until(lambda: sample() == HEALTHY, timeout=10, what="healthy again")
    assert time.monotonic() - before >= 2 * period
    assert set(samples) == {HEALTHY, UNHEALTHY}
