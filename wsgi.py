"""Entry point for gunicorn (wsgi:app) and the flask command (flask --app wsgi ...)."""
from peer_support import create_app

app = create_app()
