"""The service user's own space: my peer worker, my meetings, asking for contact, my follow-up choice."""
from flask import Blueprint

blueprint = Blueprint("myspace", __name__, url_prefix="/my-space")
