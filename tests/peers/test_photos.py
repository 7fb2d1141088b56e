"""A peer worker's photo: given by the worker, checked and stripped of metadata, shown to whom it may be."""
import io
from pathlib import Path

import pytest
from PIL import Image

from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error
from tests.meetings.conftest import accompany  # noqa: F401  (shared fixtures)
from tests.myspace.conftest import linked_person
from tests.triage.conftest import units  # noqa: F401  (shared fixtures)


@pytest.fixture
def app_config(tmp_path):
    # Small enough that a test file can go over it.
    return {"PHOTO_DIR": str(tmp_path / "photos"), "PHOTO_MAX_BYTES": 200_000}


def image_bytes(fmt="JPEG", size=(1200, 900), colour=(30, 120, 200), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(buffer, format=fmt, exif=exif)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def gps_exif() -> Image.Exif:
    """EXIF with a GPS position and a camera model, as a phone writes them."""
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPSInfo
    return exif


def stored(tmp_path) -> list[Path]:
    folder = tmp_path / "photos"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(client, profile, content, filename="moi.jpg"):
    return client.post(f"/peers/{profile.id}/photo/edit",
                       data={"photo": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def test_a_worker_gives_a_photo_resized_and_without_its_location(client, make_profile, tmp_path):
    worker = make_profile()
    sign_in(client, worker.account)
    assert upload(client, worker, image_bytes(exif=gps_exif())).status_code == 302
    profile = db.session.get(PeerProfile, worker.id)
    assert profile.photo_content_type == "image/jpeg"
    [path] = stored(tmp_path)
    assert path.name == profile.photo_key
    kept = Image.open(path)
    assert max(kept.size) == 600 and kept.size == (600, 450)
    assert not kept.getexif(), "the stored photo carries no EXIF (no GPS, no device)"
    [entry] = audit_entries("peers.photo_change")
    assert entry.object_id == str(worker.id)
    page = client.get(f"/peers/{worker.id}").get_data(as_text=True)
    assert f"/peers/{worker.id}/photo" in page and "Change the photo" in page
    served = client.get(f"/peers/{worker.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == path.read_bytes()


def test_replacing_keeps_one_file_and_removing_deletes_it(client, make_profile, tmp_path):
    worker = make_profile()
    sign_in(client, worker.account)
    upload(client, worker, image_bytes())
    upload(client, worker, image_bytes(fmt="PNG", size=(300, 300)), filename="moi.png")
    [path] = stored(tmp_path)
    assert db.session.get(PeerProfile, worker.id).photo_content_type == "image/png"
    assert Image.open(path).format == "PNG"
    assert "Remove the photo" in client.get(f"/peers/{worker.id}/photo/edit").get_data(as_text=True)
    assert client.post(f"/peers/{worker.id}/photo/remove").status_code == 302
    assert stored(tmp_path) == []
    assert db.session.get(PeerProfile, worker.id).photo_key is None
    assert client.get(f"/peers/{worker.id}/photo").status_code == 404
    assert len(audit_entries("peers.photo_remove")) == 1


@pytest.mark.parametrize("content, filename, message", [
    (b"%PDF-1.7 not a photo", "moi.jpg", "This file is not a PNG or JPEG photo"),
    (b"\xff\xd8\xff\xe0 truncated jpeg", "moi.jpg", "This file is not a PNG or JPEG photo"),
    (b"", "moi.jpg", "This file is empty."),
    (b"\x00" * 200_001, "moi.png", "This photo is too large: it may be at most"),
])
def test_a_wrong_file_is_refused_clearly_and_nothing_is_stored(client, make_profile, tmp_path, content, filename,
                                                                message):
    worker = make_profile()
    sign_in(client, worker.account)
    response = upload(client, worker, content, filename)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert has_field_error(page, "photo") and message in page
    assert stored(tmp_path) == []
    assert db.session.get(PeerProfile, worker.id).photo_key is None
    assert audit_entries("peers.photo_change") == []


def test_a_huge_bitmap_in_a_small_file_is_refused(client, make_profile, tmp_path):
    worker = make_profile()
    sign_in(client, worker.account)
    # 8000 x 6000 of one colour compresses to a few kilobytes, but decodes to 48 million pixels.
    response = upload(client, worker, image_bytes(fmt="PNG", size=(8000, 6000)), "big.png")
    assert response.status_code == 200 and "too many pixels" in response.get_data(as_text=True)
    assert stored(tmp_path) == []


def test_who_sees_the_photo_and_who_changes_it(app, client, make_profile, make_account, units, accompany):
    worker = make_profile(units=[units[0]])
    worker_account = worker.account
    other_worker = make_profile(units=[units[0]])
    other_account = other_worker.account
    sign_in(client, worker_account)
    upload(client, worker, image_bytes())
    accompanied, accompanied_account = linked_person(units=[units[0]], name="Camille")
    accompany(worker, accompanied)
    _, stranger_account = linked_person(units=[units[0]], name="Hugo")
    # (account, can see the photo, can open the photo form)
    expectations = {
        "the worker": (worker_account, 200, 200),
        "another worker": (other_account, 200, 404),
        "coordinator": (make_account("coordinator"), 200, 200),
        "staff": (make_account("staff", units=[units[0]]), 200, 403),
        "a person the worker accompanies": (accompanied_account, 200, 403),
        "a person the worker does not accompany": (stranger_account, 404, 403),
        "researcher": (make_account("researcher"), 403, 403),
    }
    for who, (account, see, edit) in expectations.items():
        viewer = app.test_client()
        sign_in(viewer, account)
        assert viewer.get(f"/peers/{worker.id}/photo").status_code == see, who
        assert viewer.get(f"/peers/{worker.id}/photo/edit").status_code == edit, who
        response = viewer.post(f"/peers/{worker.id}/photo/edit",
                               data={"photo": (io.BytesIO(image_bytes()), "x.jpg")}, content_type="multipart/form-data")
        assert response.status_code in ((302,) if edit == 200 else (400, 403, 404)), who
    anonymous = app.test_client()
    assert anonymous.get(f"/peers/{worker.id}/photo").status_code == 302


def test_my_space_shows_my_workers_photo(client, make_profile, units, accompany):
    worker = make_profile(units=[units[0]])
    name = worker.account.name
    sign_in(client, worker.account)
    upload(client, worker, image_bytes())
    person, account = linked_person(units=[units[0]])
    accompany(worker, person)
    sign_in(client, account)
    page = client.get("/my-space/").get_data(as_text=True)
    assert f'src="/peers/{worker.id}/photo"' in page and f"Photo of {name}" in page
