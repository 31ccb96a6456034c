"""The productpage service."""
