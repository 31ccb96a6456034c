"""Images the manifests name are ones we build; variables they set are ones the code reads.

A typo in an image tag or an environment variable name applies cleanly and then does
nothing (an ImagePullBackOff, or a setting silently ignored); both are caught here.
"""
from __future__ import annotations

import importlib

import pytest

from bookinfo.pods.images import image_for
from bookinfo_common.settings import ConfigError
from tools.images.bake import load as load_bake_file

from .manifests import COMPOSE_TOOLS, compose, container_environment, pod_templates

DEPLOYMENTS = pod_templates()
DEPLOYMENT_IDS = [str(deployment) for deployment, _ in DEPLOYMENTS]

# The database images run the official MySQL / MongoDB entry points, which are not our
# code: MySQL's reads MYSQL_ROOT_PASSWORD (which our mysqldb Deployment sets from the
# mysql-credentials Secret); we set nothing for MongoDB's.
DATABASE_VARIABLES = {"mysqldb": {"MYSQL_ROOT_PASSWORD"}, "mongodb": set()}


@pytest.fixture(scope="module")
def built_images() -> set[str]:
    """Every image reference docker-bake.hcl builds with its default hub and tag."""
    return {tag for target in load_bake_file().targets.values() for tag in target.tags}


def _manifest_images():
    for deployment, template in DEPLOYMENTS:
        for container in template["spec"]["containers"]:
            yield str(deployment), container["image"]


def _compose_images():
    for name, service in compose()["services"].items():
        if name not in COMPOSE_TOOLS:  # Envoy's, Jaeger's and Prometheus's own images
            yield f"docker-compose.yml: {name}", service["image"]


def test_every_image_named_is_a_bake_target(built_images):
    unknown = [(where, image) for where, image in [*_manifest_images(), *_compose_images()]
               if image not in built_images]
    assert unknown == []


def _reads(service: str, environ: dict[str, str], name: str) -> bool:
    """Whether the service's configuration depends on ``name``.

    The service's own ``Config.from_environ`` is run with the container's environment and
    again with that one variable's value altered: a different configuration, or a
    ConfigError naming the bad value, shows the variable is read. This follows the code
    itself, so it never goes stale the way a second list of names would.
    """
    config = importlib.import_module(f"{service}.config").Config
    baseline = config.from_environ(environ)
    try:
        return config.from_environ({**environ, name: environ[name] + "-altered"}) != baseline
    except ConfigError:
        return True


@pytest.mark.parametrize("deployment, template", DEPLOYMENTS, ids=DEPLOYMENT_IDS)
def test_every_variable_a_manifest_sets_is_read_by_its_service(deployment, template):
    for container in template["spec"]["containers"]:
        image = image_for(container["image"])
        environment = container_environment(container)
        if image.is_database:
            assert set(environment) <= DATABASE_VARIABLES[image.service]
            continue
        # The container's environment is the image's with the manifest's laid over it.
        full = {**image.environment, **environment}
        ignored = [name for name in environment if not _reads(image.service, full, name)]
        assert ignored == [], f"{image.service} does not read {ignored}"
