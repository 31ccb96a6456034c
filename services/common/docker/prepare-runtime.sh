#!/bin/sh
# The runtime stage of every service image, before the builder's output is copied in: the
# same on every service, so all images built from one base share this layer.
#
# curl is what the HEALTHCHECK and the istio.io tasks (`kubectl exec ... -- curl`) run;
# it is installed only when the base lacks it. UID/GID 1000 is the user upstream's images
# run as (the Dockerfiles say `USER 1000:1000`, numeric, so `runAsNonRoot` can check it).
set -eu

if ! command -v curl >/dev/null; then
    apt-get update
    apt-get install --yes --no-install-recommends curl ca-certificates
    rm -rf /var/lib/apt/lists/*
fi
groupadd --gid 1000 bookinfo
useradd --uid 1000 --gid 1000 --no-create-home --home-dir /opt/microservices --shell /bin/bash bookinfo
