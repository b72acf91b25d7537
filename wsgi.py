"""WSGI entry point: `gunicorn wsgi:app`."""
from buildstory import create_app

app = create_app()
