"""The pages of people's rights and retention; each part lives in its own module, imported here."""
from peer_support.privacy import subject_views  # noqa: F401,E402
from peer_support.privacy import erasure_views, settings_views  # noqa: F401,E402
