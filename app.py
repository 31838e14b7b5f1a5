"""WSGI entry point: `flask --app app ...` and `gunicorn app:app` use it."""
from monitor import create_app

app = create_app()
