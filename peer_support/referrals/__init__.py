"""Referrals to peer workers: intake by staff and "my referrals" (triage and contact requests elsewhere)."""
from flask import Blueprint

blueprint = Blueprint("referrals", __name__, url_prefix="/referrals")
