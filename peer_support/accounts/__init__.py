"""Coordinators manage accounts: create, edit, deactivate, reactivate, reset a password."""
from flask import Blueprint

blueprint = Blueprint("accounts", __name__, url_prefix="/accounts")
