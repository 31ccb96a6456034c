import pytest

from bookinfo.mesh.model import labels_match
from bookinfo.objects.services import Service, ServicePort


@pytest.mark.parametrize("name, app_protocol, http", [
    ("http", None, True), ("http-web", None, True), ("http2", None, True), ("grpc-web", None, True),
    ("mongo", None, False), ("tcp", None, False), ("", None, False), ("web", "http", True),
    ("http", "mysql", False), ("HTTP", None, True)])
def test_protocol_follows_istio_port_naming(name, app_protocol, http):
    assert ServicePort(name, 9080, app_protocol=app_protocol).is_http() is http


def test_service_port_lookup_and_fqdn():
    service = Service("reviews", "default", {}, {"app": "reviews"}, [ServicePort("http", 9080)])
    assert service.fqdn == "reviews.default.svc.cluster.local"
    assert service.port(None).port == 9080 and service.port(9080).port == 9080 and service.port(80) is None
    two = Service("db", "default", {}, {"app": "db"}, [ServicePort("tcp", 1), ServicePort("http", 2)])
    assert two.port(None) is None


def test_selector_matching():
    assert labels_match({"app": "reviews"}, {"app": "reviews", "version": "v1"})
    assert not labels_match({"app": "reviews", "version": "v2"}, {"app": "reviews", "version": "v1"})
    assert not labels_match({}, {"app": "reviews"})  # no selector: no endpoints the mesh can know
