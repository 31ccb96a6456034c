"""Building the service images without Docker: the bake file read as bake reads it, a
local Debian base, and podman with its own storage. ``make images`` runs
``python -m tools.images.build`` where no Docker engine answers; the container tests
(tests/images/containers) build through the same code."""
