"""The one small library the four Bookinfo services share.

Only what is identical across services lives here: reading configuration from the
environment, header propagation, OpenTelemetry and Prometheus set-up, error bodies,
logging, the gunicorn settings and the development server entry point.
"""
