"""The pages of this feature; each part lives in its own module, imported here."""
from peer_support.feedback import builder_views  # noqa: F401,E402
from peer_support.feedback import answer_views  # noqa: F401,E402
from peer_support.feedback import invitation_views  # noqa: F401,E402
