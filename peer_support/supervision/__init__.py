"""Supervision of peer workers (sessions, the N-weekly requirement) and debriefs after hard events."""
from flask import Blueprint

blueprint = Blueprint("supervision", __name__, url_prefix="/supervision")
