"""Entry point for gunicorn (wsgi:app) and the flask command (flask --app wsgi ...)."""
from peer_support import create_app, settle_for_serving

app = create_app()
settle_for_serving()
