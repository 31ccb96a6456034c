"""Delivering the mesh to a real Envoy: file-based xDS, bootstrap, the Envoy process."""
