"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory.

The settings are checked here, in the master, before any worker starts: a bad one stops
gunicorn with one line (a worker that exits would only be started again and again).
"""

import os
import sys

from gunicorn.glogging import Logger

from app.security import redact_logs, redact_secrets
from config import ConfigError, checked_environment, integer, shared_limits_warning

try:
    SETTINGS = checked_environment()
    workers = integer(1, 256)("GUNICORN_WORKERS", os.environ.get("GUNICORN_WORKERS") or 3)
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
# "-" is standard output; "off" (or empty) writes no access log.
_access = os.environ.get("GUNICORN_ACCESSLOG", "-").strip()
accesslog = None if _access.lower() in ("", "off") else _access


class RedactingLogger(Logger):
    """Log lines never carry a manage link or a personal feed token."""

    def setup(self, cfg):
        super().setup(cfg)
        redact_logs(self.error_log)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact_secrets(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger


def on_starting(server):
    warning = shared_limits_warning(SETTINGS, server.cfg.workers)
    if warning:
        server.log.warning(warning)
