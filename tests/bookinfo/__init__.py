"""Tests of the local runner and mesh (the `bookinfo` package)."""
