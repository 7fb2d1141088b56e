"""The peer worker's caseload: the people they accompany, with last and next meetings."""
from flask import Blueprint

blueprint = Blueprint("caseload", __name__, url_prefix="/caseload")
