"""Helpers the test modules share: free ports, readiness polling, real server processes."""
