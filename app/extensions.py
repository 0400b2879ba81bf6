"""Flask extensions, created unbound and initialised in the application factory."""

import math
import time

from flask import Response
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def with_retry_after(response: Response) -> Response:
    """A refused request (429) gets Retry-After: the seconds until the limit it hit starts
    afresh. Read from the limiter's storage only then, not on every answer."""
    if response.status_code != 429 or "Retry-After" in response.headers:
        return response
    hit = limiter.current_limit
    if hit is not None:
        reset = hit.window.reset_time
        response.headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
    return response
