"""Built-in kinds through kubernetes-validate, whose schema files are parsed once per process."""
import copy

import kubernetes_validate.utils

from bookinfo.objects.core import core_problems, kubernetes_version

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"selector": {"matchLabels": {"app": "d"}},
                       "template": {"metadata": {"labels": {"app": "d"}},
                                    "spec": {"containers": [{"name": "c", "image": "i"}]}}}}


def test_schema_files_are_read_once_and_validation_leaves_them_as_read():
    loader = kubernetes_validate.utils.schema_contents
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["replicas"] = "three"
    assert core_problems(DEPLOYMENT) == []
    before = loader.cache_info()
    assert core_problems(bad)  # errors are still found with the shared documents
    assert core_problems(DEPLOYMENT) == []
    after = loader.cache_info()
    assert after.misses == before.misses and after.hits > before.hits  # no file read again
    version = kubernetes_version()
    for name in ("deployment-apps-v1.json", "_definitions.json"):
        path = f"kubernetes-json-schema/v{version}-local-strict/{name}"
        assert loader(path, version) == loader.__wrapped__(path, version)  # as a fresh parse
