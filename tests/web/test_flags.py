"""Country flags are vendored images (flag-icons, npm), never emoji."""
import re
from pathlib import Path

from PIL import Image

from buildstory.profiles.countries import all_countries
from tests.factories import ProfileFactory

FLAGS = Path(__file__).resolve().parents[2] / "buildstory" / "static" / "flags"
# Regional indicator symbols: two of them make a flag emoji.
FLAG_EMOJI = re.compile("[\U0001F1E6-\U0001F1FF]")


def test_every_country_has_one_small_vendored_flag_and_nothing_else_is_vendored():
    expected = set()
    for country in all_countries():
        assert country.flag, country
        path = FLAGS.parent / country.flag
        assert path.is_file(), country
        expected.add(path.name)
        if path.suffix == ".png":
            assert path.stat().st_size <= 1024 and Image.open(path).size == (40, 30), path
        else:
            head = path.read_text()[:400]
            assert path.stat().st_size <= 4096 and "<svg" in head and "<script" not in path.read_text()
    assert set(p.name for p in FLAGS.iterdir()) == expected | {"LICENSE"}
    assert "MIT" in (FLAGS / "LICENSE").read_text()


def test_pages_show_flag_images_with_immutable_caching_and_no_flag_emoji(client, login):
    ProfileFactory(username="ada", country="FR", region=None)
    ProfileFactory(username="bob", country="ES", region=None)  # a heavy SVG, vendored as a PNG
    me = ProfileFactory(username="me-too", country="GB")
    pages = {"/profiles/ada": "flags/fr.svg", "/members": "flags/es.png"}
    for path, flag in pages.items():
        html = client.get(path).get_data(as_text=True)
        match = re.search(rf'<img class="flag" src="(/static/{re.escape(flag)}\?v=[0-9a-f]{{12}})" '
                          r'width="20" height="15" alt="">', html)
        assert match, path
        image = client.get(match.group(1))
        assert image.status_code == 200
        assert image.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert image.mimetype in ("image/svg+xml", "image/png")
        assert not FLAG_EMOJI.search(html), path
    signed_in = login(me)
    for path in ("/dashboard", "/settings", "/onboarding", "/members", "/profiles/me-too"):
        r = signed_in.get(path, follow_redirects=True)
        assert r.status_code == 200, path
        assert not FLAG_EMOJI.search(r.get_data(as_text=True)), path
