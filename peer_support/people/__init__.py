"""Service users' records: the people referred to and accompanied by peer workers."""
from flask import Blueprint

blueprint = Blueprint("people", __name__, url_prefix="/people")
