"""The details service."""
