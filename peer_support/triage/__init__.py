"""Triage and assignment of referrals, matching suggestions, and proposals to peer workers."""
from flask import Blueprint

blueprint = Blueprint("triage", __name__, url_prefix="/triage")
