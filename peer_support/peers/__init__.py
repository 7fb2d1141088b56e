"""Peer workers: profiles, the lived experience they share, presence times and absences."""
from flask import Blueprint

blueprint = Blueprint("peers", __name__, url_prefix="/peers")
