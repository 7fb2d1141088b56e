"""Every action and object type the code writes to the audit log has a name on screen."""
import pathlib
import re

from peer_support.audit.labels import ACTION_LABELS, OBJECT_TYPE_LABELS

SOURCES = pathlib.Path(__file__).resolve().parents[2] / "peer_support"


def _written(pattern: str) -> set[str]:
    found = set()
    for path in SOURCES.rglob("*.py"):
        found.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def test_every_audited_action_has_a_label():
    actions = _written(r'record\(\s*"([a-z_]+\.[a-z_]+)"') | _written(r'"([a-z_]+\.[a-z_]+_export)"')
    assert actions and sorted(actions - set(ACTION_LABELS)) == []


def test_every_audited_object_type_has_a_label():
    types = _written(r'object_type="([a-z_]+)"')
    assert types and sorted(types - set(OBJECT_TYPE_LABELS)) == []
