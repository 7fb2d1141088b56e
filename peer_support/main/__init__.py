"""Home pages, health check and language switch."""
from flask import Blueprint

blueprint = Blueprint("main", __name__)

from peer_support.main import views  # noqa: E402,F401
