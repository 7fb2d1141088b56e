"""The pages of the dashboard and reports; each part lives in its own module, imported here."""
from peer_support.reports import dashboard_views  # noqa: F401
