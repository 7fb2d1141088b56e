"""Calendars: iCalendar files and personal feeds at secret, revocable addresses; week views."""
from flask import Blueprint

blueprint = Blueprint("calendars", __name__, url_prefix="/calendar")
