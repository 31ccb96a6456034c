#!/usr/bin/env bash
# Build and push every Bookinfo image for linux/amd64 and linux/arm64, then point the
# manifests (platform/**/*.yaml and docker-compose.yml) at the pushed tags.
#
#   BOOKINFO_HUB=registry.example.com/bookinfo BOOKINFO_TAG=0.2.0 scripts/push-images.sh
#   ... scripts/push-images.sh --no-push    # only rewrite the image: lines
#
# Pushing needs `docker buildx` with a builder that can build both platforms (for example
# `docker buildx create --use` with QEMU installed). Review and commit the rewritten files.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: BOOKINFO_HUB=<registry/namespace> BOOKINFO_TAG=<tag> $0 [--no-push]" >&2; exit 2; }

push=true
case "$#:${1:-}" in
  0:) ;;
  1:--no-push) push=false ;;
  *) usage ;;
esac
[[ -n "${BOOKINFO_HUB:-}" && -n "${BOOKINFO_TAG:-}" ]] || usage
# Checked before use: both end up in sed's replacement text and in image references.
[[ "$BOOKINFO_HUB" =~ ^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$ ]] \
  || { echo "$0: BOOKINFO_HUB is not a registry/namespace: $BOOKINFO_HUB" >&2; exit 2; }
[[ "$BOOKINFO_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] \
  || { echo "$0: BOOKINFO_TAG is not an image tag: $BOOKINFO_TAG" >&2; exit 2; }

if $push; then
  # docker-bake.hcl reads both variables from the environment.
  BOOKINFO_HUB="$BOOKINFO_HUB" BOOKINFO_TAG="$BOOKINFO_TAG" docker buildx bake --push
fi

shopt -s globstar nullglob
for file in platform/**/*.yaml docker-compose.yml; do
  before=$(cat "$file")
  sed -i -E "s#^([[:space:]]*image:[[:space:]]*)([^[:space:]]*/)?(examples-bookinfo-[a-z0-9-]+):[^[:space:]]+#\1${BOOKINFO_HUB}/\3:${BOOKINFO_TAG}#" "$file"
  [[ "$(cat "$file")" == "$before" ]] || echo "updated $file"
done
