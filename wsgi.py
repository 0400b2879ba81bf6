"""WSGI entry point: `gunicorn wsgi:app`; Flask's CLI finds `app` here too."""

import gc

from app import create_app

app = create_app()

# What the app has loaded lives as long as the process: the cyclic collector stops walking it
# on every full pass, which otherwise cost a large request (a 500-session feed) tens of ms.
gc.freeze()
