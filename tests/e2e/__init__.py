"""End-to-end tests through `bookinfo up`: one real stack behind a real Envoy."""
