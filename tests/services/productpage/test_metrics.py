"""The request_result counter on /metrics
(docs/upstream-behaviour.md#productpage-metrics)."""
import re

from productpage.app import create_app
from productpage.config import Config
from tests.support.stub_server import Reply


def counter(client, app_name: str, code: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    match = re.search(rf'^request_result_total{{destination_app="{app_name}",response_code="{code}"}} (\S+)$',
                      text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_content_type_and_help(client):
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain; version=")
    text = response.get_data(as_text=True)
    assert "# HELP request_result_total Results of requests" in text
    assert "# TYPE request_result_total counter" in text


def test_one_count_per_call_outcome(client, stub):
    before = {key: counter(client, *key) for key in [("details", "200"), ("reviews", "503"), ("ratings", "500")]}
    stub.reply("/reviews/0", Reply(503))  # two attempts, one outcome
    stub.reply("/ratings/0", Reply(200, b"not json"))
    client.get("/productpage")
    client.get("/api/v1/products/0/ratings")
    after = {key: counter(client, *key) for key in before}
    assert {key: after[key] - before[key] for key in before} == {
        ("details", "200"): 1, ("reviews", "503"): 1, ("ratings", "500"): 1}
    assert len(stub.requests("/reviews/")) == 2


def test_flood_calls_count(stub):
    client = create_app(Config.from_environ({**stub.env, "FLOOD_FACTOR": "4"})).test_client()
    before = counter(client, "reviews", "200")
    client.get("/productpage")
    assert counter(client, "reviews", "200") - before == 5
