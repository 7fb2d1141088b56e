"""Follow-up nudges: scheduled rules that keep the frame of an accompaniment without taking the choice away."""
from flask import Blueprint

blueprint = Blueprint("nudges", __name__, url_prefix="/nudges")
