"""The xDS files: content-addressed versions, atomic replacement, routes beside listeners."""
import json

from bookinfo.envoy.xds import XdsFiles, inline_routes
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.objects.services import Service, ServicePort
from bookinfo.mesh.translate import build


def resources(port: int = 7001):
    return build(MeshInputs([Workload("web-v1", {"app": "web"}, port)],
                            [Service("web", "default", {}, {"app": "web"}, [ServicePort("http", 9080)])],
                            [], 18080, {("client", "web", 9080): 15001}, 15000))


def test_files_are_discovery_responses_versioned_by_content(tmp_path):
    files = XdsFiles(tmp_path)
    versions = files.write(resources())
    lds = json.loads(files.lds.read_text())
    assert lds["version_info"] == versions.listeners
    assert [x["name"] for x in lds["resources"]] == ["outbound|client|web|9080", "gateway"]
    assert json.loads(files.cds.read_text())["version_info"] == versions.clusters
    assert set(versions.routes) == {"outbound|client|web|9080", "gateway"}
    assert files.written() == versions


def test_listeners_name_their_own_route_file(tmp_path):
    files = XdsFiles(tmp_path)
    files.write(resources())
    listener = json.loads(files.lds.read_text())["resources"][0]
    rds = listener["filter_chains"][0]["filters"][0]["typed_config"]["rds"]
    path = rds["config_source"]["path_config_source"]["path"]
    assert json.loads(open(path).read())["resources"][0]["name"] == rds["route_config_name"]
    assert path.startswith(str(tmp_path / "xds" / "rds"))


def test_unchanged_files_are_left_alone_and_changed_ones_replaced(tmp_path):
    files = XdsFiles(tmp_path)
    first = files.write(resources())
    inodes = {p: p.stat().st_ino for p in (files.lds, files.cds)}
    second = files.write(resources(port=7002))  # only an endpoint moved
    assert second.listeners == first.listeners and second.routes == first.routes
    assert second.clusters != first.clusters
    assert files.lds.stat().st_ino == inodes[files.lds]
    assert files.cds.stat().st_ino != inodes[files.cds]
    assert not list(files.directory.glob(".*.tmp"))


def test_route_file_names_are_distinct_for_similar_names(tmp_path):
    files = XdsFiles(tmp_path)
    assert files.route_file("outbound|a|b|1") != files.route_file("outbound|a:b|1")


def test_inline_routes_embeds_each_listeners_route_configuration():
    built = resources()
    [outbound, _] = inline_routes(built)
    manager = outbound["filter_chains"][0]["filters"][0]["typed_config"]
    assert "rds" not in manager
    assert manager["route_config"]["name"] == "outbound|client|web|9080"
    assert "rds" in built.listeners[0]["filter_chains"][0]["filters"][0]["typed_config"]  # input untouched
