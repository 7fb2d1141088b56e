"""Signing in and out, and each person's own settings."""
from flask import Blueprint

blueprint = Blueprint("auth", __name__)

from peer_support.auth import views  # noqa: E402,F401
