"""Rooms: where meetings happen, booked without double booking, closed for periods."""
from flask import Blueprint

blueprint = Blueprint("rooms", __name__, url_prefix="/rooms")
