"""Becoming a peer worker: service users' interest in training as peer workers, followed by the coordinator."""
from flask import Blueprint

blueprint = Blueprint("becoming", __name__, url_prefix="/becoming-a-peer-worker")
