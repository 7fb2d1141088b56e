"""Research: studies, versioned consent, the researchers' pseudonymised view and the exports."""
from flask import Blueprint

blueprint = Blueprint("research", __name__, url_prefix="/research")
