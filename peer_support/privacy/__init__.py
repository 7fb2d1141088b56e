"""Data protection: people's rights (their data, erasure), retention of closed accompaniments."""
from flask import Blueprint

blueprint = Blueprint("privacy", __name__, url_prefix="/privacy")
