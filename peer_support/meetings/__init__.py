"""Meetings: individual, group, informal, phone, video and outing encounters, planned or logged."""
from flask import Blueprint

blueprint = Blueprint("meetings", __name__, url_prefix="/meetings")
