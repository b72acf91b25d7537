"""Member cards in a real browser: one layout whatever the avatar is."""
from playwright.sync_api import expect

from buildstory.db import db
from tests.factories import AvatarFactory, ProfileFactory


def _relative_box(page, card_id):
    """The name's box relative to its card, and the avatar's."""
    return page.evaluate("""(id) => {
        const card = document.getElementById(id).getBoundingClientRect();
        const rel = (el) => { const r = el.getBoundingClientRect();
            return [Math.round(r.x - card.x), Math.round(r.y - card.y), Math.round(r.width)]; };
        const li = document.getElementById(id);
        return {name: rel(li.querySelector('.member-name')), avatar: rel(li.querySelector('.avatar')),
                tag: li.querySelector('.avatar').tagName.toLowerCase()};
    }""", card_id)


def test_the_name_sits_beside_the_avatar_in_uploaded_and_initials_cards(page, site, app):
    name = "Maximiliana Konstantinopoulou-Featherstonehaugh"
    with app.app_context():
        uploaded = AvatarFactory(profile__username="with-upload", profile__display_name=name,
                                 profile__country="FR").profile
        initials = ProfileFactory(username="with-initials", display_name=name, country="FR")
        db.session.commit()
        ids = f"member-{uploaded.id}", f"member-{initials.id}"
    for width in (1280, 700, 380):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site + "/members")
        expect(page.locator(".member-card")).to_have_count(2)
        first, second = (_relative_box(page, card) for card in ids)
        assert (first["tag"], second["tag"]) == ("img", "svg")
        assert first["name"] == second["name"], (width, first, second)
        assert first["avatar"] == second["avatar"], (width, first, second)
        # Beside the picture: the name starts right of the avatar, level with its top.
        assert first["name"][0] > first["avatar"][0] + first["avatar"][2], (width, first)
        assert abs(first["name"][1] - first["avatar"][1]) < 30, (width, first)
    # The country's flag is an image that loaded (not emoji drawn as empty boxes).
    flags = page.locator(".member-location img.flag")
    expect(flags).to_have_count(2)
    assert flags.first.evaluate("img => img.complete && img.naturalWidth > 0")
    assert flags.first.bounding_box()["width"] == 20
