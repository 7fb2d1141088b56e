"""The public "What is a peer worker?" page, its editor, and the public contact request form."""
from flask import Blueprint

blueprint = Blueprint("information", __name__)
