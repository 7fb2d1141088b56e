"""Qualifications and training: the coordinator's catalogue and requirements, each worker's records and certificates."""
from flask import Blueprint

blueprint = Blueprint("training", __name__, url_prefix="/training")

# Room for the multipart envelope and the other fields of the certificate form.
_REQUEST_MARGIN_BYTES = 1024 * 1024


@blueprint.record_once
def _limit_request_size(state) -> None:
    """Refuse a huge body before reading it (413), unless the site set its own limit."""
    config = state.app.config
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = int(config["CERTIFICATE_MAX_BYTES"]) + _REQUEST_MARGIN_BYTES
