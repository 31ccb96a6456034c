"""Repository tooling that is neither a service nor a test (``python -m tools...``)."""
