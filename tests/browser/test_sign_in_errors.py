"""Signing in with a wrong password in a real browser: the error appears next to the form."""
import re

from playwright.sync_api import expect

from buildstory.db import db
from tests.factories import AccountFactory


def test_a_wrong_password_shows_the_error_next_to_the_sign_in_form(page, site, app):
    with app.app_context():
        AccountFactory(email="typo@example.com", profile__username="typo")
        db.session.commit()
        db.session.remove()
    page.goto(site + "/sign-in")
    page.evaluate("window.__samePage = true")
    page.get_by_label("Email").fill("typo@example.com")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#sign-in-form [role=alert]")
    expect(error).to_have_text(re.compile(r"\S"))
    expect(page.locator("#messages")).not_to_contain_text("went wrong")
    assert page.evaluate("window.__samePage") is True  # swapped in place, no reload
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_label("Email")).to_have_value("typo@example.com")
