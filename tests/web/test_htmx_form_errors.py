"""Every htmx form of every page answers bad input with its error fragment, never a 500.

The forms are not listed by hand: every GET page of the permission matrix is rendered as
each kind of visitor, every ``<form hx-post>`` on it is parsed, and the form is sent back
the way htmx sends it (``HX-Request: true``, the form's real ``HX-Target``, the CSRF token
in its header, the hidden fields kept) with its visible fields left empty, or with the
invalid value named in ``INVALID`` where empty is a valid answer. A form with fields must
answer a 4xx fragment (no page layout) carrying the field's message; a form of buttons only
must simply not break.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.web.matrix import ROUTES

# Who renders the pages: between them they see every form (the owner's team tools, the
# member's Leave, the recipient's invite, the moderator's panels, the visitor's sign-in).
VIEWERS = ("anonymous", "builder", "member", "other", "admin", "judge")
FILLABLE = {"text", "email", "password", "url", "search", "number", "datetime-local", "date",
            "textarea", "select", "radio", "file", "tel"}
# Forms whose fields may all be empty (the ban reason, the onboarding goal are optional):
# (action pattern, hidden step or None) → the invalid values sent instead.
INVALID = [
    (re.compile(r"/moderation/profiles/[^/]+/ban$"), None, {"reason": "x" * 1001}),
    (re.compile(r"^/onboarding$"), "goal", {"goal_text": "x" * 1201}),
    (re.compile(r"^/settings/skills$"), None, {"timezone": "Nowhere/Zone"}),
    (re.compile(r"/join-requests$"), None, {"message": "x" * 501}),
]
FIELD_MESSAGE = re.compile(r'class="field-error"|role="alert"|class="error-summary"')


class FormParser(HTMLParser):
    """Collect each form's attributes and its controls (name, type, value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.current = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = {"attrs": a, "controls": []}
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self.current["controls"].append((a["name"], kind, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def htmx_forms(world):
    """Yield (viewer, page, form) for every distinct hx-post form the viewers see."""
    seen = set()
    for (endpoint, method), cases in sorted(ROUTES.items()):
        if method != "GET":
            continue
        for case in cases:
            for viewer in VIEWERS:
                with world.turn():
                    response = world.client(viewer).get(case.url(world.w))
                    body = response.get_data()  # streamed CSVs end here
                    if response.status_code != 200 or "text/html" not in response.content_type:
                        continue
                    parser = FormParser()
                    parser.feed(body.decode())
                for form in parser.forms:
                    action = form["attrs"].get("hx-post")
                    if not action:
                        continue
                    key = (viewer, action, form["attrs"].get("hx-target", ""))
                    if key not in seen:
                        seen.add(key)
                        yield viewer, case.url(world.w), form


def bad_data(form) -> tuple[dict, bool]:
    """Return the form's hidden fields with every visible field empty (or invalid), and
    whether it has visible fields at all."""
    data, fillable = {}, False
    for name, kind, value in form["controls"]:
        if name in ("csrf_token", "confirm"):
            continue
        if kind == "hidden":
            data[name] = value
        elif kind in FILLABLE:
            fillable = True
            data[name] = ""
    for pattern, step, values in INVALID:
        if pattern.search(form["attrs"]["hx-post"]) and step in (None, data.get("step")):
            data.update(values)
    return data, fillable


def test_every_htmx_form_answers_bad_input_with_its_error_fragment(world):
    failures, tried = [], []
    for viewer, page, form in htmx_forms(world):
        action, target = form["attrs"]["hx-post"], form["attrs"].get("hx-target", "")
        data, fillable = bad_data(form)
        tried.append(action)
        with world.turn():
            response = world.client(viewer).post(
                action, data, csrf=False, htmx=True,
                headers={"HX-Target": target.lstrip("#"),
                         "X-CSRF-Token": world.csrf_tokens[viewer]})
            body, status = response.get_data(as_text=True), response.status_code
        what = f"{viewer} on {page}: POST {action} (target {target})"
        if status >= 500:
            failures.append(f"{what}: {status} {body[:300]!r}")
        elif fillable and not (400 <= status < 500 and FIELD_MESSAGE.search(body)
                               and "<html" not in body):
            failures.append(f"{what}: expected a 4xx error fragment, got {status} {body[:300]!r}")
    # The forms that must be among them (a parser that found nothing would prove nothing).
    for must in ("/sign-in", "/sign-up", "/settings/account", "/settings", "/projects/new"):
        assert must in tried, f"no htmx form posting to {must} was found"
    assert not failures, "\n".join(failures)


def test_a_wrong_password_answers_the_sign_in_fragment_with_the_error(client):
    response = client.post("/sign-in", {"email": "nobody@example.com", "password": "wrong one!"},
                           htmx=True, headers={"HX-Target": "sign-in-form"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:500]
    assert body.lstrip().startswith('<form id="sign-in-form"')
    assert 'role="alert"' in body and "<html" not in body
