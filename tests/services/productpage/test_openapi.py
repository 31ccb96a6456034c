"""swagger.yaml against the running productpage: every documented operation and status.

productpage runs as its image runs it (gunicorn), twice: in front of the real details v1,
reviews v2 and ratings v1, so the 200 bodies and the back-ends' own refusals (400, 404)
are theirs; and in front of the stub back-end, for what no healthy back-end answers (503,
another status, a 200 that is not JSON). openapi-core finds the operation each request
matches and validates the request and the response against the document. The cases must
produce every status the document lists for every operation, and the app must serve no
/api/v1 route the document leaves out, so neither side can change alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths import APICallPathFinder
from openapi_core.validation.response.exceptions import InvalidData

from productpage.app import create_app
from productpage.config import Config
from tests.support.processes import REPO, ServiceProcess

from .stub_backend import REVIEWS_RATINGS_DOWN, Reply

DOCUMENT = REPO / "swagger.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Case:
    """One request: the operation it targets, the product id, and the documented
    response (status or ``default``) it must produce. ``stubbed`` is what the stub
    back-end answers; without it productpage calls the real back-ends."""

    operation: str
    response: str
    product_id: str = "0"
    stubbed: Reply | None = None

    def __str__(self) -> str:
        backend = "real" if self.stubbed is None else f"stub{self.stubbed.status}"
        return f"{self.operation}-{self.response}-{self.product_id}-{backend}"


NOT_JSON = Reply(200, b"<html>not json</html>")
BACKEND_OF = {"getProduct": "details", "getProductReviews": "reviews", "getProductRatings": "ratings"}

CASES = [
    Case("getProducts", "200"),
    Case("getProduct", "200"),
    Case("getProduct", "200", "1595"),
    Case("getProduct", "400", "abc"),              # details: please provide numeric product id
    Case("getProduct", "500", stubbed=NOT_JSON),
    Case("getProduct", "500", stubbed=Reply(500, b'{"error": "x"}')),
    Case("getProduct", "503", stubbed=Reply(503)),
    Case("getProduct", "default", stubbed=Reply(429)),
    Case("getProductReviews", "200"),
    Case("getProductReviews", "200", stubbed=Reply(body=REVIEWS_RATINGS_DOWN)),  # no stars to show
    Case("getProductReviews", "404", "abc"),       # reviews: not a Java int
    Case("getProductReviews", "500", stubbed=NOT_JSON),
    Case("getProductReviews", "503", stubbed=Reply(503)),
    Case("getProductReviews", "default", stubbed=Reply(504)),
    Case("getProductRatings", "200"),
    Case("getProductRatings", "400", "abc"),       # ratings: please provide numeric product ID
    Case("getProductRatings", "500", stubbed=NOT_JSON),
    Case("getProductRatings", "503", stubbed=Reply(503)),
    Case("getProductRatings", "default", stubbed=Reply(403, b"RBAC: access denied")),
]


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(DOCUMENT))


def documented_operations() -> dict[str, tuple[str, str, set[str]]]:
    """operationId -> (path, method, documented response keys), read from the file."""
    document = yaml.safe_load(DOCUMENT.read_text())
    operations = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                operations[operation["operationId"]] = (path, method, set(operation["responses"]))
    return operations


def api_prefix() -> str:
    [server] = yaml.safe_load(DOCUMENT.read_text())["servers"]
    return server["url"]


@pytest.fixture(scope="module")
def real_productpage():
    """productpage in front of details v1, reviews v2 (black stars) and ratings v1."""
    with ServiceProcess("ratings") as ratings, ServiceProcess("details") as details:
        reviews_env = {"ENABLE_RATINGS": "true", "STAR_COLOR": "black", "HOSTNAME": "reviews-v2-test",
                       "RATINGS_HOSTNAME": "127.0.0.1", "RATINGS_SERVICE_PORT": str(ratings.port)}
        with ServiceProcess("reviews", reviews_env) as reviews:
            env = {}
            for name, process in (("DETAILS", details), ("REVIEWS", reviews), ("RATINGS", ratings)):
                env[f"{name}_HOSTNAME"] = "127.0.0.1"
                env[f"{name}_SERVICE_PORT"] = str(process.port)
            with ServiceProcess("productpage", env) as productpage:
                yield productpage


@pytest.fixture(scope="module")
def stubbed_productpage(backend):
    with ServiceProcess("productpage", backend.env) as productpage:
        yield productpage


def request_url(base: str, operation: str, product_id: str) -> str:
    path, _, _ = documented_operations()[operation]
    return base + api_prefix() + path.replace("{id}", quote(product_id, safe=""))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_response_is_the_documented_one(case, openapi, real_productpage, stubbed_productpage, stub):
    if case.stubbed is None:
        server = real_productpage
    else:
        server = stubbed_productpage
        stub.reply(f"/{BACKEND_OF[case.operation]}/{case.product_id}", case.stubbed)
    response = requests.get(request_url(server.url, case.operation, case.product_id), timeout=30)
    request = RequestsOpenAPIRequest(response.request)

    found = APICallPathFinder(openapi.spec).find(request.method, request.host_url + request.path)
    assert found.operation["operationId"] == case.operation
    openapi.validate_request(request)
    openapi.validate_response(request, RequestsOpenAPIResponse(response))

    documented = documented_operations()[case.operation][2]
    produced = str(response.status_code) if str(response.status_code) in documented else "default"
    assert produced == case.response, (response.status_code, response.text)
    if case.stubbed is not None:
        assert stub.requests(f"/{BACKEND_OF[case.operation]}/"), "the stub was not called"


def test_the_cases_produce_every_documented_status_of_every_operation():
    documented = {(op, key) for op, (_, _, keys) in documented_operations().items() for key in keys}
    assert {(case.operation, case.response) for case in CASES} == documented


def test_every_api_route_the_app_serves_is_documented(backend):
    """Flask's rules under the API prefix, as OpenAPI paths, are exactly the documented ones.

    HEAD and OPTIONS, which Flask adds to every GET rule, are left out on both sides.
    """
    app = create_app(Config.from_environ(backend.env))
    prefix = api_prefix()
    served = {(re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "{}", rule.rule.removeprefix(prefix)), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix + "/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(re.sub(r"\{[^}]+\}", "{}", path), method)
                  for path, method, _ in documented_operations().values()}
    assert served == documented


def test_a_body_the_document_does_not_allow_is_refused(openapi, stubbed_productpage, stub):
    """The check above is strict: a back-end field the document does not name fails it."""
    stub.reply("/ratings/0", Reply(200, b'{"id": 0, "ratings": {"Reviewer1": 5}, "extra": 1}'))
    response = requests.get(request_url(stubbed_productpage.url, "getProductRatings", "0"), timeout=30)
    assert response.status_code == 200
    with pytest.raises(InvalidData, match="Additional properties are not allowed"):
        openapi.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
