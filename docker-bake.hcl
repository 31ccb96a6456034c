# Every Bookinfo image, each target named exactly as upstream's image and behaving like it
# with no extra environment (bookinfo/pods/images.py is the table; tests/images checks this file
# against it). Build context: the repository root.
#
#   docker buildx bake --load                  # all images, for this machine (see `make images`)
#   BOOKINFO_HUB=registry.example.com/me BOOKINFO_TAG=0.2.0 docker buildx bake --push
#   docker buildx bake examples-bookinfo-reviews-v2
#
# scripts/push-images.sh pushes them and rewrites the image tags in the manifests.

variable "BOOKINFO_HUB" {
  default = "docker.io/bookinfopy"
}

variable "BOOKINFO_TAG" {
  default = "0.1.0"
}

# Any Debian-based image with python3 and its venv module (make images-test passes a local
# debootstrap image); PIP_SOURCE=wheelhouse installs only from .wheelhouse/.
variable "BASE_IMAGE" {
  default = "docker.io/library/python:3.13-slim-bookworm"
}

variable "PIP_SOURCE" {
  default = "index"
}

group "default" {
  targets = [
    "examples-bookinfo-productpage-v1",
    "examples-bookinfo-productpage-v-flooding",
    "examples-bookinfo-details-v1",
    "examples-bookinfo-details-v2",
    "examples-bookinfo-reviews-v1",
    "examples-bookinfo-reviews-v2",
    "examples-bookinfo-reviews-v3",
    "examples-bookinfo-ratings-v1",
    "examples-bookinfo-ratings-v2",
    "examples-bookinfo-ratings-v-faulty",
    "examples-bookinfo-ratings-v-delayed",
    "examples-bookinfo-ratings-v-unavailable",
    "examples-bookinfo-ratings-v-unhealthy",
    "examples-bookinfo-mongodb",
    "examples-bookinfo-mysqldb"
  ]
}

target "_python-service" {
  context   = "."
  platforms = ["linux/amd64", "linux/arm64"]
  args = {
    BASE_IMAGE = "${BASE_IMAGE}"
    PIP_SOURCE = "${PIP_SOURCE}"
  }
}

target "_database" {
  context   = "."
  platforms = ["linux/amd64", "linux/arm64"]
}

target "examples-bookinfo-productpage-v1" {
  inherits   = ["_python-service"]
  dockerfile = "services/productpage/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-productpage-v1:${BOOKINFO_TAG}"]
  args = {
    flood_factor = "0"
  }
}

target "examples-bookinfo-productpage-v-flooding" {
  inherits   = ["_python-service"]
  dockerfile = "services/productpage/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-productpage-v-flooding:${BOOKINFO_TAG}"]
  args = {
    flood_factor = "100"
  }
}

target "examples-bookinfo-details-v1" {
  inherits   = ["_python-service"]
  dockerfile = "services/details/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-details-v1:${BOOKINFO_TAG}"]
  args = {
    service_version              = "v1"
    enable_external_book_service = "false"
  }
}

target "examples-bookinfo-details-v2" {
  inherits   = ["_python-service"]
  dockerfile = "services/details/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-details-v2:${BOOKINFO_TAG}"]
  args = {
    service_version              = "v2"
    enable_external_book_service = "true"
  }
}

target "examples-bookinfo-reviews-v1" {
  inherits   = ["_python-service"]
  dockerfile = "services/reviews/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-reviews-v1:${BOOKINFO_TAG}"]
  args = {
    service_version = "v1"
    enable_ratings  = "false"
    star_color      = "black"
  }
}

target "examples-bookinfo-reviews-v2" {
  inherits   = ["_python-service"]
  dockerfile = "services/reviews/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-reviews-v2:${BOOKINFO_TAG}"]
  args = {
    service_version = "v2"
    enable_ratings  = "true"
    star_color      = "black"
  }
}

target "examples-bookinfo-reviews-v3" {
  inherits   = ["_python-service"]
  dockerfile = "services/reviews/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-reviews-v3:${BOOKINFO_TAG}"]
  args = {
    service_version = "v3"
    enable_ratings  = "true"
    star_color      = "red"
  }
}

target "examples-bookinfo-ratings-v1" {
  inherits   = ["_python-service"]
  dockerfile = "services/ratings/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-ratings-v1:${BOOKINFO_TAG}"]
  args = {
    service_version = "v1"
  }
}

target "examples-bookinfo-ratings-v2" {
  inherits   = ["_python-service"]
  dockerfile = "services/ratings/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-ratings-v2:${BOOKINFO_TAG}"]
  args = {
    service_version = "v2"
  }
}

target "examples-bookinfo-ratings-v-faulty" {
  inherits   = ["_python-service"]
  dockerfile = "services/ratings/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-ratings-v-faulty:${BOOKINFO_TAG}"]
  args = {
    service_version = "v-faulty"
  }
}

target "examples-bookinfo-ratings-v-delayed" {
  inherits   = ["_python-service"]
  dockerfile = "services/ratings/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-ratings-v-delayed:${BOOKINFO_TAG}"]
  args = {
    service_version = "v-delayed"
  }
}

target "examples-bookinfo-ratings-v-unavailable" {
  inherits   = ["_python-service"]
  dockerfile = "services/ratings/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-ratings-v-unavailable:${BOOKINFO_TAG}"]
  args = {
    service_version = "v-unavailable"
  }
}

target "examples-bookinfo-ratings-v-unhealthy" {
  inherits   = ["_python-service"]
  dockerfile = "services/ratings/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-ratings-v-unhealthy:${BOOKINFO_TAG}"]
  args = {
    service_version = "v-unhealthy"
  }
}

target "examples-bookinfo-mongodb" {
  inherits   = ["_database"]
  dockerfile = "services/mongodb/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-mongodb:${BOOKINFO_TAG}"]
}

target "examples-bookinfo-mysqldb" {
  inherits   = ["_database"]
  dockerfile = "services/mysql/Dockerfile"
  tags       = ["${BOOKINFO_HUB}/examples-bookinfo-mysqldb:${BOOKINFO_TAG}"]
}
