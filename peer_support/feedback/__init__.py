"""Feedback forms: built by the coordination or researchers, answered by service users and staff."""
from flask import Blueprint

blueprint = Blueprint("feedback", __name__, url_prefix="/feedback")
