"""Service users' records: the people referred to and accompanied by peer workers."""
from flask import Blueprint

blueprint = Blueprint("people", __name__, url_prefix="/people")

from peer_support.people import views  # noqa: E402,F401
