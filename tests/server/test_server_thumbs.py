"""`?thumb=` on the files API: real uploads, real Pillow images, sizes and caching."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.server.conftest import Harness


def png(width: int, height: int, color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


async def upload(mix: Harness, sid: str, name: str, data: bytes) -> None:
    response = await mix.client.post(f"/api/sessions/{sid}/files/upload", files={"file": (name, data)})
    assert response.status_code == 201, response.text


async def size_of(mix: Harness, sid: str, name: str, thumb: str) -> tuple[int, int]:
    response = await mix.client.get(f"/api/sessions/{sid}/files/{name}", params={"thumb": thumb})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        return image.size


@pytest.mark.parametrize(
    ("thumb", "expected"),
    [("100", (100, 75)), ("w320", (320, 240)), ("h60", (80, 60)), ("2000", (640, 480)), ("w64", (64, 48))],
)
async def test_thumb_sizes_keep_the_aspect_ratio(mix: Harness, thumb: str, expected: tuple[int, int]) -> None:
    sid = await mix.create_session()
    await upload(mix, sid, "photo.png", png(640, 480))
    assert await size_of(mix, sid, "photo.png", thumb) == expected


async def test_without_thumb_the_original_is_served(mix: Harness) -> None:
    sid = await mix.create_session()
    data = png(640, 480)
    await upload(mix, sid, "photo.png", data)
    assert (await mix.client.get(f"/api/sessions/{sid}/files/photo.png")).content == data


@pytest.mark.parametrize("thumb", ["abc", "0", "w", "x100", "w0", "99999", "-5", "100px", ""])
async def test_invalid_thumb_is_400(mix: Harness, thumb: str) -> None:
    sid = await mix.create_session()
    await upload(mix, sid, "photo.png", png(64, 64))
    response = await mix.client.get(f"/api/sessions/{sid}/files/photo.png", params={"thumb": thumb})
    assert response.status_code == 400
    assert "thumb" in response.json()["error"]["message"]


async def test_non_image_and_bad_time_are_400(mix: Harness) -> None:
    sid = await mix.create_session()
    await upload(mix, sid, "notes.txt", b"just text")
    await upload(mix, sid, "photo.png", png(64, 64))
    not_image = await mix.client.get(f"/api/sessions/{sid}/files/notes.txt", params={"thumb": "50"})
    assert not_image.status_code == 400 and "not an image" in not_image.json()["error"]["message"]
    bad_time = await mix.client.get(f"/api/sessions/{sid}/files/photo.png", params={"thumb": "50", "time": "nan"})
    assert bad_time.status_code == 400


async def test_thumbnails_are_cached_and_follow_overwrites(mix: Harness) -> None:
    sid = await mix.create_session()
    await upload(mix, sid, "photo.png", png(640, 480, "red"))
    first = await mix.client.get(f"/api/sessions/{sid}/files/photo.png", params={"thumb": "100"})
    cache = mix.srv.config.sessions_dir / sid / "thumbs"
    cached = sorted(p.name for p in cache.iterdir())
    assert len(cached) == 1
    again = await mix.client.get(f"/api/sessions/{sid}/files/photo.png", params={"thumb": "100"})
    assert again.content == first.content
    assert sorted(p.name for p in cache.iterdir()) == cached
    listing = (await mix.client.get(f"/api/sessions/{sid}/files")).json()
    assert [f["name"] for f in listing] == ["photo.png"]  # the cache is not a session file
    await upload(mix, sid, "photo.png", png(300, 600, "blue"))
    assert await size_of(mix, sid, "photo.png", "100") == (50, 100)


async def test_exif_rotation_is_applied(mix: Harness) -> None:
    sid = await mix.create_session()
    image = Image.new("RGB", (400, 200), "green")
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    await upload(mix, sid, "camera.jpg", out.getvalue())
    response = await mix.client.get(f"/api/sessions/{sid}/files/camera.jpg", params={"thumb": "100"})
    assert response.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as thumb:
        assert thumb.size == (50, 100)
