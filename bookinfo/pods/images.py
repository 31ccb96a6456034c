"""The one table of image names: which service each upstream image name runs, and the
environment the image bakes in.

The Dockerfiles' build arguments, the bake file, docker-compose.yml, the manifests and
the local runner all agree with this table (tests check it). A Deployment's own ``env``
is laid over ``environment`` when the runner starts a workload.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from bookinfo.errors import UnknownImage


@dataclass(frozen=True)
class Image:
    """What an ``examples-bookinfo-<variant>`` image is."""

    name: str
    service: str  # productpage, details, reviews, ratings, or a database: mongodb, mysqldb
    environment: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_database(self) -> bool:
        """Seeded database images are not Flask services."""
        return self.service in ("mongodb", "mysqldb")


def _image(variant: str, service: str, **env: str) -> Image:
    return Image(f"examples-bookinfo-{variant}", service, MappingProxyType(env))


IMAGES: dict[str, Image] = {
    image.name: image
    for image in (
        _image("productpage-v1", "productpage", FLOOD_FACTOR="0"),
        _image("productpage-v-flooding", "productpage", FLOOD_FACTOR="100"),
        _image("details-v1", "details", SERVICE_VERSION="v1", ENABLE_EXTERNAL_BOOK_SERVICE="false"),
        _image("details-v2", "details", SERVICE_VERSION="v2", ENABLE_EXTERNAL_BOOK_SERVICE="true"),
        _image("reviews-v1", "reviews", SERVICE_VERSION="v1", ENABLE_RATINGS="false", STAR_COLOR="black"),
        _image("reviews-v2", "reviews", SERVICE_VERSION="v2", ENABLE_RATINGS="true", STAR_COLOR="black"),
        _image("reviews-v3", "reviews", SERVICE_VERSION="v3", ENABLE_RATINGS="true", STAR_COLOR="red"),
        _image("ratings-v1", "ratings", SERVICE_VERSION="v1"),
        _image("ratings-v2", "ratings", SERVICE_VERSION="v2"),
        _image("ratings-v-faulty", "ratings", SERVICE_VERSION="v-faulty"),
        _image("ratings-v-delayed", "ratings", SERVICE_VERSION="v-delayed"),
        _image("ratings-v-unavailable", "ratings", SERVICE_VERSION="v-unavailable"),
        _image("ratings-v-unhealthy", "ratings", SERVICE_VERSION="v-unhealthy"),
        _image("mongodb", "mongodb"),
        _image("mysqldb", "mysqldb"),
    )
}



def image_for(reference: str) -> Image:
    """The table entry for an image reference such as ``hub/examples-bookinfo-reviews-v2:0.1.0``."""
    name = reference.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    try:
        return IMAGES[name]
    except KeyError:
        raise UnknownImage(f"image {reference!r} is not a Bookinfo image "
                           f"(expected one of: {', '.join(sorted(IMAGES))})") from None
