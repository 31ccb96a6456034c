"""The local runner and mesh: `bookinfo up`, `apply`, `get`, ..."""
