"""Random input never breaks the app (docs/architecture.md "Quality bars": bad input never a 500).

Hypothesis throws random form data — text with NUL and control characters, huge strings,
unicode, unknown and repeated field names, missing fields, the valid form with some fields
replaced — at every POST route, and random query strings and htmx headers at every GET
page and fragment, each as an actor who may use it and with a valid CSRF token. Every
answer is a 2xx/3xx, or a 4xx that says what went wrong; never a 5xx, never a traceback.
Each example runs in a savepoint rolled back afterwards (the permission matrix's world), so
examples cannot disturb one another.

Also here: bodies over the caps answer 413 with their messages, and malformed ids, slugs
and tokens in every route with a variable part answer 404.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from buildstory.web.errors import MESSAGES
from tests.web.matrix import ACTORS, ROUTES, form_data, main_case

ROOT = Path(__file__).resolve().parents[2] / "buildstory"
TEMPLATE_TEXT = "\n".join(p.read_text() for p in (ROOT / "templates").rglob("*.html"))
SOURCE_TEXT = "\n".join(p.read_text() for p in ROOT.rglob("*.py"))
# Every field name a form of ours sends, and every query argument a view reads.
FIELD_NAMES = sorted(set(re.findall(r'name="([a-z_]+)"', TEMPLATE_TEXT)) - {"csrf_token"})
QUERY_NAMES = sorted(set(re.findall(r'args(?:\.get|\.getlist)?\(?\[?"([a-z_]+)"', SOURCE_TEXT))
                     | {"next", "history_page", "page", "q"})
HX_TARGETS = sorted(set(re.findall(r'id="([a-z][a-z0-9_-]*)"', TEMPLATE_TEXT)))

FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

SPECIAL = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "0", "-1", "1e309", "NaN", "99999999999999999999",
    "on", "yes", "true", "null", "None", "[]", "{}", "../../etc/passwd", "%00", "' OR 1=1 --",
    "<script>alert(1)</script>", "{{7*7}}", "javascript:alert(1)", "https://example.com/",
    "00000000-0000-4000-8000-000000000000", "not-a-uuid", "admin", "draft", "super_admin",
    "UTC", "Mars/Olympus_Mons", "2030-13-45T25:61", "\u202egnp.exe", "Ｓｃｒｉｐｔ", "ß" * 40,
    "\ud7ff\ue000\uffff", "😀" * 30,
])
CONTROL = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20)
HUGE = st.builds(lambda chunk, n: chunk * n, st.sampled_from(["a", "é", "😀", "\x00", "<>", "a "]),
                 st.sampled_from([2_001, 5_001, 100_000]))
VALUE = st.one_of(st.text(max_size=60), SPECIAL, CONTROL, HUGE)
NAME = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=15))
PAIRS = st.lists(st.tuples(NAME, VALUE), max_size=10)
HX = st.one_of(st.none(), st.sampled_from(HX_TARGETS),
               st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=20))

POST_ROUTES = sorted(endpoint for endpoint, method in ROUTES if method == "POST")
GET_ROUTES = sorted(endpoint for endpoint, method in ROUTES if method == "GET")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/|\bsqlalchemy\.exc\b|"
                       r"\bpsycopg\b|jinja2\.exceptions")
SAYS_WHY = ('class="field-error"', 'role="alert"', 'class="error-summary"',
            *MESSAGES.values())


def actor_for(case) -> str:
    allowed = [a for a in ACTORS if a in case.allowed() and a not in case.expect]
    return next((a for a in allowed if a != "banned"), allowed[0])


def judge(response, what: str) -> None:
    """Fail unless the answer is a 2xx/3xx or a 4xx that tells the person why."""
    body = response.get_data().decode("utf-8", "replace")  # images are bytes
    status = response.status_code
    assert status < 500, f"{what}: {status}\n{body[:2000]}"
    assert not TRACEBACK.search(body), f"{what}: a stack trace leaked\n{body[:2000]}"
    if 400 <= status < 500:
        assert any(marker in body for marker in SAYS_WHY), f"{what}: {status} says nothing\n{body[:2000]}"


def merged(case, w, base: bool, pairs) -> MultiDict:
    """The valid form (or nothing) with the random fields added or overriding."""
    data = MultiDict(form_data(case, w) if base else {})
    for name, value in pairs:
        if name in data and base:
            data.setlist(name, [value])
        else:
            data.add(name, value)
    return data


@pytest.mark.parametrize("endpoint", POST_ROUTES)
@FUZZ
@given(base=st.booleans(), pairs=PAIRS, htmx=st.booleans(), target=HX)
def test_random_form_data_never_breaks_a_post_route(world, endpoint, base, pairs, htmx, target):
    case = main_case(endpoint, "POST")
    actor = actor_for(case)
    data = merged(case, world.w, base, pairs)
    token = world.csrf_tokens[actor]
    headers = {"HX-Target": target} if htmx and target else {}
    if htmx:
        headers["X-CSRF-Token"] = token
    else:
        data.setlist("csrf_token", [token])
    with world.turn():
        response = world.client(actor).post(case.url(world.w), data, csrf=False, htmx=htmx,
                                            headers=headers)
        judge(response, f"POST {case.url(world.w)} as {actor}")


@FUZZ
@given(junk=st.binary(max_size=3000), name=st.sampled_from(["me.png", "x", "", "a.gif\x00.exe"]),
       prefix=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP",
                               b"\xff\xd8\xff\xe0"]),
       htmx=st.booleans())
def test_random_uploads_never_break_the_avatar_form(world, junk, name, prefix, htmx):
    data = {"avatar": (io.BytesIO(prefix + junk), name)}
    with world.turn():
        response = world.client("builder").post("/settings/avatar", data, htmx=htmx)
        assert response.status_code in (200, 303, 413, 422), response.status_code
        judge(response, "avatar upload")


@pytest.mark.parametrize("endpoint", GET_ROUTES)
@FUZZ
@given(args=st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=10)),
                               st.one_of(st.text(max_size=40), SPECIAL, CONTROL)), max_size=6),
       htmx=st.booleans(), target=HX)
def test_random_query_strings_never_break_a_page_or_fragment(world, endpoint, args, htmx, target):
    case = main_case(endpoint, "GET")
    actor = actor_for(case)
    url = case.url(world.w)
    query = urlencode(args)
    if query:
        url += ("&" if "?" in url else "?") + query
    headers = {}
    if htmx:
        headers["HX-Request"] = "true"
        if target:
            headers["HX-Target"] = target
    with world.turn():
        response = world.client(actor).get(url, headers=headers)
        response.get_data()  # streamed CSV exports run here
        judge(response, f"GET {url} as {actor}")


# --- Oversized bodies -------------------------------------------------------------------

UPLOADS = {"profiles.upload_avatar", "submissions.upload_image"}  # may send up to 5 MB


@pytest.mark.parametrize("endpoint", sorted(set(POST_ROUTES) - UPLOADS))
def test_bodies_over_the_form_cap_are_413(world, endpoint):
    case = main_case(endpoint, "POST")
    actor = actor_for(case)
    for htmx in (False, True):
        with world.turn():
            before = world.fingerprint()
            world.session.commit()
            data = {**form_data(case, world.w), "padding": "x" * (1024 * 1024 + 1)}
            r = world.client(actor).post(case.url(world.w), data, htmx=htmx)
            assert r.status_code == 413, (htmx, r.status_code)
            assert "This request is too large" in r.get_data(as_text=True)
            if htmx:
                assert r.headers["HX-Retarget"] == "#messages"
            world.session.rollback()
            assert world.fingerprint() == before


@pytest.mark.parametrize("size_mb", [5.5, 7])
def test_avatars_over_5_mb_are_413_with_the_image_message(world, size_mb):
    blob = b"\x89PNG\r\n\x1a\n" + b"\x00" * int(size_mb * 1024 * 1024)
    for htmx in (False, True):
        with world.turn():
            r = world.client("builder").post("/settings/avatar",
                                             {"avatar": (io.BytesIO(blob), "big.png")}, htmx=htmx)
            assert r.status_code == 413
            assert "Image must be 5 MB or smaller" in r.get_data(as_text=True)


@pytest.mark.parametrize("size_mb", [5.5, 7])
def test_demo_images_over_5_mb_are_413_with_the_image_message(world, size_mb):
    blob = b"\x89PNG\r\n\x1a\n" + b"\x00" * int(size_mb * 1024 * 1024)
    for htmx in (False, True):
        with world.turn():
            before = world.fingerprint()
            world.session.commit()
            r = world.client("member").post("/projects/mx-project/submissions/mx-live/image",
                                            {"image": (io.BytesIO(blob), "big.png")}, htmx=htmx)
            assert r.status_code == 413
            assert "Image must be 5 MB or smaller" in r.get_data(as_text=True)
            world.session.rollback()
            assert world.fingerprint() == before


@FUZZ
@given(junk=st.binary(max_size=3000), name=st.sampled_from(["demo.png", "x", "", "a.gif\x00.exe"]),
       prefix=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP",
                               b"\xff\xd8\xff\xe0"]),
       htmx=st.booleans())
def test_random_uploads_never_break_the_demo_image_form(world, junk, name, prefix, htmx):
    data = {"image": (io.BytesIO(prefix + junk), name)}
    with world.turn():
        response = world.client("builder").post(
            "/projects/mx-project/submissions/mx-live/image", data, htmx=htmx,
            headers={"HX-Target": "submission-image"} if htmx else None)
        assert response.status_code in (200, 303, 413, 422), response.status_code
        judge(response, "demo image upload")


# --- Malformed ids ----------------------------------------------------------------------

VARIABLE = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")
MALFORMED = {
    "uuid": ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g", "'; select 1 --",
             "%00", "0" * 200],
    "int": ["x", "-1", "1.5", "99999999999999999999999", "%00"],
    "any": ["bogus", "%00", "ACCEPT"],
    "default": ["%00", "..%2F..", "does-not-exist", "x" * 3000, "%C3%BF%E2%98%83", "%3Cscript%3E",
                "'", "a%20b"],
}


def variable_routes(app):
    """(endpoint, method, rule) for every rule with a variable part."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.arguments and rule.endpoint != "static":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, rule


def malformed_urls(app, w, endpoint, method, rule):
    """The route's matrix URL with one variable part at a time replaced by junk."""
    url = main_case(endpoint, method).url(w).split("?")[0]
    _, args = app.url_map.bind("localhost").match(url, method=method)
    for match in VARIABLE.finditer(rule.rule):
        converter, name = match.group(1) or "default", match.group(2)
        for junk in MALFORMED.get(converter, MALFORMED["default"]):
            path = rule.rule
            for other in VARIABLE.finditer(rule.rule):
                value = junk if other.group(2) == name else quote(str(args[other.group(2)]))
                path = path.replace(other.group(0), value, 1)
            yield path


def test_malformed_ids_slugs_and_tokens_are_404_everywhere(app, world):
    failures, tried = [], 0
    for endpoint, method, rule in variable_routes(app):
        case = main_case(endpoint, method)
        actor = actor_for(case)
        for path in malformed_urls(app, world.w, endpoint, method, rule):
            tried += 1
            with world.turn():
                before = world.fingerprint()
                world.session.commit()
                client = world.client(actor)
                if method == "GET":
                    r = client.get(path)
                else:
                    r = client.post(path, {"csrf_token": world.csrf_tokens[actor],
                                           **form_data(case, world.w)}, csrf=False)
                body = r.get_data(as_text=True)
                if r.status_code != 404 or "Not found" not in body:
                    failures.append(f"{method} {path[:120]} as {actor}: {r.status_code}")
                world.session.rollback()
                if world.fingerprint() != before:
                    failures.append(f"{method} {path[:120]}: the database changed")
    assert tried > 200
    assert not failures, "\n".join(failures)


def test_a_nul_in_any_input_is_dropped_not_a_500(world):
    """PostgreSQL text cannot hold NUL: it never reaches a view (buildstory/web/inputs.py)."""
    with world.turn():
        me = world.client("builder")
        r = me.post("/settings", {"display_name": "Ada\x00 Lovelace", "username": "mx-builder\x00",
                                  "allow_invites": "1"})
        assert r.status_code == 303
        assert "Ada Lovelace" in me.get("/profiles/mx-builder").get_data(as_text=True)
        assert me.get("/members?q=ada%00").status_code == 200
        assert me.get("/projects/mx-project%00").status_code == 404
