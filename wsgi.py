"""WSGI entry point: `gunicorn wsgi:app`; Flask's CLI finds `app` here too."""

from app import create_app

app = create_app()
