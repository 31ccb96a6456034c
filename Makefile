# Bookinfo in Python. `make run` starts the whole app locally; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet -c constraints.txt

.PHONY: venv run test test-fast bench clean schemas
.PHONY: images images-test

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt requirements-runner.txt $(wildcard services/*/requirements.txt)
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[test]'
	touch $@

run: venv
	$(VENV)/bin/bookinfo up

# Load run against the gateway's /productpage (wrk, 127.0.0.1 only, bounded): pages/s,
# p50/p99 and the per-page CPU against issue 15's aims, memory of every workload, time to
# ready; then the mesh's own cost (mesh_bench.py): latency added by one Envoy hop with and
# without a VirtualService, and apply-to-effect time; then productpage alone against stub
# back-ends (productpage_bench.py), like for like with upstream's image; then the CPU of
# one back-end call per client (client_bench.py); then what mutual TLS and an
# AuthorizationPolicy add to one hop, and pages/s with mutual TLS on and off
# (security_bench.py); then each service under its image's command against a bare Flask
# app, as ratios (service_bench.py); then pages/s and p99 with tracing at 100 % and access
# logs on versus both off (observability_bench.py).
# Needs `apt-get install -y wrk`.
bench: venv
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/mesh_bench.py
	$(PY) benchmarks/productpage_bench.py
	$(PY) benchmarks/client_bench.py
	$(PY) benchmarks/security_bench.py
	$(PY) benchmarks/service_bench.py
	$(PY) benchmarks/observability_bench.py

test: venv
	$(PY) -m pytest -q --ignore=tests/images/containers
	@if command -v podman >/dev/null 2>&1; then $(MAKE) images-test; \
	else echo "make test: podman not installed, container image tests not run (docs/containers.md)"; fi

# The unit tests, in under a minute: everything but the tests that start a whole stack
# (e2e), drive Chromium (browser), need MariaDB or the MongoDB-protocol server (db), use
# podman (containers), or take seconds by design (slow). Markers: pyproject.toml.
test-fast: venv
	$(PY) -m pytest -q -m "not e2e and not browser and not db and not containers and not slow"

clean:
	rm -rf $(VENV) build *.egg-info

# Regenerate bookinfo/objects/schemas/*.json from the official CRDs:
# `make schemas SOURCE=dir ISTIO_RELEASE=1.30`, where dir holds istio-crds.yaml (the CRDs
# of that Istio release) and gateway-api-crds.yaml (a Gateway API release's CRDs, which
# name their version and channel). See docs/local-runner.md.
schemas: venv
	@test -n "$(SOURCE)" -a -n "$(ISTIO_RELEASE)" || \
		{ echo "make schemas: set SOURCE=<folder of the CRD YAML files> and ISTIO_RELEASE=<release>" >&2; exit 2; }
	$(PY) scripts/generate_crd_schemas.py "$(SOURCE)" --istio-release "$(ISTIO_RELEASE)"

# Every image of docker-bake.hcl for this machine's platform: with Docker through
# `docker buildx bake --load` when a Docker engine answers, else with podman from a local Debian base (docs/containers.md).
images: venv
	@if docker info >/dev/null 2>&1; then \
		docker buildx bake --load --set "*.platform=$$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')"; \
	else $(PY) -m tools.images.build; fi

# Build every service image with podman and run each read-only as UID 1000, then the
# docker-compose stack through podman's Docker API; prints the size/start-up table.
images-test: venv
	$(PY) -m pytest -q tests/images/containers
