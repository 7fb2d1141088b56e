"""Home pages, health check and language switch."""
from flask import Blueprint

blueprint = Blueprint("main", __name__)
