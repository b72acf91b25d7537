"""Avatar processing and storage (docs/rules.md "Profiles") with real images made by Pillow."""
import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from buildstory import storage
from buildstory.errors import ValidationFailed
from buildstory.profiles import services
from buildstory.profiles.avatars import NOT_AN_IMAGE, TOO_LARGE, process_image
from buildstory.profiles.models import Avatar

from tests.factories import ProfileFactory

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RED, GREEN, BLUE = (220, 30, 30), (30, 200, 60), (30, 60, 220)


def encode(img, fmt, **kw):
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def stripes(size=(600, 200), colours=(RED, GREEN, BLUE)):
    """An image of vertical stripes: the centre square is the middle colour only."""
    w, h = size
    img = Image.new("RGB", size, colours[0])
    third = w // 3
    img.paste(colours[1], (third, 0, 2 * third, h))
    img.paste(colours[2], (2 * third, 0, w, h))
    return img


def decoded(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def near(pixel, colour, tol=40):
    return all(abs(a - b) <= tol for a, b in zip(pixel[:3], colour))


def jpeg_with_exif(orientation=1):
    """A JPEG whose EXIF carries a camera model, GPS-ish text and an orientation."""
    img = Image.new("RGB", (400, 200), RED)
    img.paste(BLUE, (0, 100, 400, 200))  # stored: red on top, blue at the bottom
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"  # Model
    exif[0x010E] = "taken at 51.5N 0.1W"  # ImageDescription
    exif[0x0112] = orientation
    return encode(img, "JPEG", exif=exif, quality=92)


def png_header_bomb(width, height):
    """A tiny PNG that declares ``width``×``height`` pixels (a decompression bomb)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def test_a_photo_is_centre_cropped_to_256_webp_without_metadata():
    original = encode(stripes(), "JPEG", quality=95)
    out = decoded(process_image(original))
    assert out.format == "WEBP" and out.size == (256, 256)
    for xy in ((2, 2), (253, 2), (128, 128), (2, 253), (253, 253)):
        assert near(out.getpixel(xy), GREEN), xy  # the red and blue sides were cropped away


def test_a_tall_image_is_cropped_around_its_middle():
    tall = stripes().rotate(90, expand=True)  # 200×600, horizontal bands, green in the middle
    out = decoded(process_image(encode(tall, "PNG")))
    assert near(out.getpixel((128, 5)), GREEN) and near(out.getpixel((128, 250)), GREEN)


def test_exif_is_stripped_and_orientation_applied():
    data = process_image(jpeg_with_exif(orientation=6))
    assert b"Secret Camera" not in data and b"51.5N" not in data
    out = decoded(data)
    assert not out.getexif() and "exif" not in out.info and "xmp" not in out.info
    assert "icc_profile" not in out.info
    # Orientation 6 means "rotate 90° clockwise to display": the red top ends up on the right.
    assert near(out.getpixel((20, 128)), BLUE) and near(out.getpixel((235, 128)), RED)


def test_png_transparency_is_kept():
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    img.paste((30, 200, 60, 255), (100, 100, 200, 200))
    out = decoded(process_image(encode(img, "PNG")))
    assert out.mode == "RGBA"
    assert out.getpixel((5, 5))[3] == 0 and out.getpixel((128, 128))[3] == 255


def test_palette_gif_with_transparency_and_animation_uses_the_first_frame():
    frames = [Image.new("P", (120, 80), i) for i in (1, 2)]
    for f in frames:
        f.putpalette([0, 0, 0] + list(GREEN) + list(RED) + [0, 0, 0] * 253)
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], transparency=0,
                  duration=100, loop=0)
    out = decoded(process_image(data))
    assert out.size == (256, 256) and near(out.getpixel((128, 128)), GREEN)


def test_webp_input_is_accepted():
    out = decoded(process_image(encode(stripes(), "WEBP")))
    assert out.size == (256, 256)


def test_noisy_images_still_fit_the_stored_size_limit():
    import os
    noise = Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3))
    assert len(process_image(encode(noise, "PNG"))) <= 64 * 1024


@pytest.mark.parametrize("data", [
    b"", b"just some text, not an image", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"%PDF-1.4 fake", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
])
def test_things_that_are_not_images_are_refused(data):
    with pytest.raises(ValidationFailed) as info:
        process_image(data)
    assert info.value.errors == {"avatar": "Upload a JPEG, PNG, WebP or GIF image"}


def test_other_image_formats_and_truncated_files_are_refused():
    for data in (encode(stripes(), "BMP"), encode(stripes(), "TIFF"),
                 encode(stripes(), "JPEG")[:400]):
        with pytest.raises(ValidationFailed) as info:
            process_image(data)
        assert info.value.errors["avatar"] == NOT_AN_IMAGE


@pytest.mark.parametrize("size", [(100_000, 100_000), (10_000, 6_000), (1, 60_000_000)])
def test_decompression_bombs_are_refused_before_decoding(size):
    bomb = png_header_bomb(*size)
    assert len(bomb) < 2000
    with pytest.raises(ValidationFailed) as info:
        process_image(bomb)
    assert info.value.errors == {"avatar": TOO_LARGE}


def test_set_avatar_stores_webp_with_its_hash_and_replaces_the_old_one(db_session):
    profile = ProfileFactory()
    first = services.set_avatar(db_session, profile, jpeg_with_exif(), now=NOW)
    row = db_session.get(Avatar, profile.id)
    assert profile.avatar_hash == first == row.hash and len(first) == 16
    stored = storage.read(db_session, key=row.storage_key, inline=row.data)
    assert row.content_type == "image/webp" and len(stored) == row.size <= 64 * 1024
    assert stored[:4] == b"RIFF" and row.data is None  # the bytes live in the storage
    first_key = row.storage_key
    second = services.set_avatar(db_session, profile, encode(stripes(), "PNG"), now=NOW)
    db_session.expire_all()
    row = db_session.get(Avatar, profile.id)
    assert second != first and row.hash == second == profile.avatar_hash
    # the replaced avatar's object went with it (the database backend, same transaction)
    assert storage.read(db_session, key=first_key, inline=None) is None
    assert storage.read(db_session, key=row.storage_key, inline=None) is not None


def test_remove_avatar_restores_the_initials(db_session):
    profile = ProfileFactory()
    services.set_avatar(db_session, profile, encode(stripes(), "PNG"), now=NOW)
    key = db_session.get(Avatar, profile.id).storage_key
    services.remove_avatar(db_session, profile, now=NOW)
    assert profile.avatar_hash is None and db_session.get(Avatar, profile.id) is None
    assert storage.read(db_session, key=key, inline=None) is None  # its object too


def test_uploads_over_5_mb_are_refused_with_413(db_session):
    profile = ProfileFactory()
    with pytest.raises(services.ImageTooLarge) as info:
        services.set_avatar(db_session, profile, b"\xff" * (5 * 1024 * 1024 + 1), now=NOW)
    assert info.value.status == 413 and info.value.message == "Image must be 5 MB or smaller"
    assert profile.avatar_hash is None


def test_an_empty_upload_asks_for_a_file(db_session):
    with pytest.raises(ValidationFailed) as info:
        services.set_avatar(db_session, ProfileFactory(), b"", now=NOW)
    assert info.value.errors == {"avatar": "Avatar is required"}


def test_the_demo_gives_a_few_builders_avatars_once(db_session):
    import random

    from buildstory.profiles import demo

    ProfileFactory(clerk_id="demo_priya", username="priya")
    ProfileFactory(clerk_id="demo_kenji", username="kenji")
    ProfileFactory(clerk_id="demo_someone", username="someone")
    assert demo.seed(db_session, random.Random(1)) == {"avatars": 2}
    assert demo.seed(db_session, random.Random(1)) == {"avatars": 0}
    assert db_session.scalar(select(func.count()).select_from(Avatar)) == 2
