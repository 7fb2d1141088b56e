"""The audit log and the coordinator's page to read it."""
from flask import Blueprint

blueprint = Blueprint("audit", __name__, url_prefix="/audit")
