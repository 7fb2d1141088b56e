"""Signing in and out, and each person's own settings."""
from flask import Blueprint

blueprint = Blueprint("auth", __name__)
