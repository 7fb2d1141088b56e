"""Dashboard and reports: what the programme does, in figures and charts people read at a glance."""
from flask import Blueprint

blueprint = Blueprint("reports", __name__, url_prefix="/reports")
