"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory."""

import os

from gunicorn.glogging import Logger

from app.security import redact_secrets

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "sync"
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")


class RedactingLogger(Logger):
    """Access log lines never carry a manage link or a personal feed token."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact_secrets(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger
