"""The pages of this feature; each part lives in its own module, imported here."""
from peer_support.research import study_views  # noqa: F401,E402
from peer_support.research import consent_views  # noqa: F401,E402
from peer_support.research import reading_views  # noqa: F401,E402
from peer_support.research import export_views  # noqa: F401,E402
