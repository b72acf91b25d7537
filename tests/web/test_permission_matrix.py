"""The permission matrix (docs/architecture.md "Quality bars"): every route × ten actors.

The routes, their expected access and the world of actors are in ``tests/web/matrix.py``;
each case here runs one route for every actor, checks the answer and, for every GET and
every refused request, that no table changed.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from buildstory.web.auth import BANNED_ALLOWED
from tests.web.matrix import ACTORS, CASES, ROUTES, Case, form_data


def expectation(case: Case, endpoint: str, actor: str):
    """Return "allowed", "sign-in", "banned", a status code or a (status, location) pair."""
    if actor in case.expect:
        return case.expect[actor]
    if actor == "banned" and endpoint not in BANNED_ALLOWED:
        return "banned"
    if actor in case.allowed():
        return "allowed"
    if actor == "anonymous" and case.needs_login():
        return "sign-in"
    return case.refused


def check(response, expected, case: Case, method: str, w) -> str | None:
    """Return a description of the mismatch, or None."""
    status, location = response.status_code, response.headers.get("Location", "")
    to = case.to(w) if callable(case.to) else case.to
    if expected == "allowed":
        want = case.status or (200 if method == "GET" else 303)
        good = status == want and (want != 303 or to is None or location.startswith(to))
        expected = f"{want} {to or ''}"
    elif expected == "sign-in":
        good = status == 303 and location.startswith("/sign-in?next=")
    elif expected == "banned":
        good = status == 303 and location == "/banned"
    elif isinstance(expected, tuple):
        good = status == expected[0] and location.startswith(expected[1])
    else:
        good = status == expected and not location
    return None if good else f"expected {expected}, got {status} {location}".strip()


@pytest.mark.parametrize("key", CASES, ids=lambda k: f"{k[0]}-{k[1]}-{k[2]}")
def test_route_permissions(world, key):
    endpoint, method, index = key
    case = ROUTES[(endpoint, method)][index]
    w = world.w
    url = case.url(w)
    failures = []
    for actor in ACTORS:
        expected = expectation(case, endpoint, actor)
        client, token = world.client(actor), world.csrf_tokens[actor]
        with world.turn():
            # Refused mutations, and every GET, must leave every table as it was.
            before = (world.fingerprint()
                      if method == "GET" or expected != "allowed" else None)
            world.session.commit()
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, {"csrf_token": token, **form_data(case, w)})
            response.get_data()  # consume streamed bodies (CSV exports) inside the turn
            assert response.status_code < 500, f"{actor}: {method} {url} answered 500"
            problem = check(response, expected, case, method, w)
            if problem:
                failures.append(f"{actor}: {problem}")
            if before is not None:
                world.session.rollback()
                after = world.fingerprint()
                changed = sorted(t for t in after if after[t] != before[t])
                if changed:
                    failures.append(f"{actor}: {'GET' if method == 'GET' else 'refused'} "
                                    f"but changed {changed}")
    assert not failures, f"{method} {url}:\n  " + "\n  ".join(failures)


def test_every_route_is_in_the_matrix(app):
    missing = sorted(
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in ROUTES)
    assert not missing, "add these routes to ROUTES in tests/web/matrix.py:\n" + \
        "\n".join(missing)


def test_the_matrix_lists_no_route_that_does_not_exist(app):
    known = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods}
    assert not sorted(set(ROUTES) - known)


def test_every_allowed_mutation_really_changes_something(world):
    """Guards the matrix itself: a happy-path POST that changed nothing would make its
    "refused → unchanged" check prove nothing."""
    quiet = {"identity.forgot_password"}  # sends an email, stores nothing
    failures = []
    for (endpoint, method), cases in sorted(ROUTES.items()):
        case = cases[0]
        allowed = [a for a in ACTORS if a in case.allowed() and a not in case.expect
                   and a not in ("anonymous", "banned")]
        if method != "POST" or endpoint in quiet or not allowed:
            continue
        actor = allowed[0]  # in ACTORS order: the builder, who has state, comes first
        with world.turn():
            before = world.fingerprint()
            world.session.commit()
            response = world.client(actor).post(case.url(world.w), {
                "csrf_token": world.csrf_tokens[actor], **form_data(case, world.w)})
            world.session.rollback()
            if world.fingerprint() == before:
                failures.append(f"{endpoint} as {actor}: {response.status_code} changed nothing")
    assert not failures, "\n".join(failures)


def test_the_fingerprint_notices_any_change(world):
    with world.turn():
        before = world.fingerprint()
        world.session.execute(sa.text("UPDATE projects SET name = name || '!' WHERE slug = :s"),
                              {"s": world.w.project_slug})
        after = world.fingerprint()
        assert [t for t in after if after[t] != before[t]] == ["projects"]

