"""Units of the service (CL3R, TS2A, oncology day hospital ...), managed by coordinators."""
from flask import Blueprint

blueprint = Blueprint("units", __name__, url_prefix="/units")
