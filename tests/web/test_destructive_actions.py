"""Every destructive button is one pattern, on every page that shows one.

Delete, Remove, Revoke, Leave, Withdraw, Ban and Hide: each is its own POST form (htmx
mirrors the action), red (``button--danger``), asks with ``hx-confirm`` naming the thing,
and carries a required Confirm checkbox inside ``<noscript>`` for browsers without
JavaScript. Sent without the tick and without htmx, the server answers 422 "Tick the box to
confirm" with the checkbox outside ``<noscript>``, focused, and changes nothing. Red means
it asks and asking means red: Unhide, Unban, Accept and Decline neither ask nor turn red.
The pages are every GET page of the permission matrix, as the people who see the buttons.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.web.matrix import ROUTES

VIEWERS = ("builder", "member", "other", "admin", "judge")
DESTRUCTIVE = re.compile(
    r"^(Delete|Remove|Revoke|Leave|Withdraw|Ban|Hide|Merge|I have a conflict of interest)\b")
HARMLESS = re.compile(r"^(Unhide|Unban|Accept|Decline)\b")
# User deletion asks for the typed username instead of a box (a stronger confirmation).
TYPED_CONFIRMATION = {"Delete user"}


class ButtonParser(HTMLParser):
    """Collect every submit button with its form's attributes, the form's <noscript>
    content and whether a Confirm box sits outside it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.buttons, self.form, self.button, self.noscript = [], None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = {"attrs": a, "noscript": "", "boxes": []}
        elif tag == "noscript":
            self.noscript = True
        elif tag == "input" and self.form is not None and a.get("name") == "confirm":
            self.form["boxes"].append((self.noscript, a))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.button = {"attrs": a, "text": "", "visible": "", "form": self.form,
                           "hidden_depth": 0}
        elif tag == "span" and self.button is not None and "visually-hidden" in a.get("class", ""):
            self.button["hidden_depth"] += 1

    def handle_endtag(self, tag):
        if tag == "noscript":
            self.noscript = False
        elif tag == "button" and self.button is not None:
            self.buttons.append(self.button)
            self.button = None
        elif tag == "span" and self.button is not None and self.button["hidden_depth"]:
            self.button["hidden_depth"] -= 1
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.button is not None:
            self.button["text"] += data
            if not self.button["hidden_depth"]:
                self.button["visible"] += data


def page_buttons(world):
    """Yield (viewer, page url, button) for every submit button of every page."""
    for (endpoint, method), cases in sorted(ROUTES.items()):
        if method != "GET":
            continue
        for case in cases:
            for viewer in VIEWERS:
                with world.turn():
                    response = world.client(viewer).get(case.url(world.w))
                    body = response.get_data()
                if response.status_code != 200 or "text/html" not in response.content_type:
                    continue
                parser = ButtonParser()
                parser.feed(body.decode())
                for button in parser.buttons:
                    yield viewer, case.url(world.w), button


def test_every_destructive_button_asks_is_red_and_has_its_own_form(world):
    problems, seen = [], set()
    for viewer, url, button in page_buttons(world):
        label, form = " ".join(button["visible"].split()), button["form"]
        where = f"{label!r} on {url} as {viewer}"
        classes = button["attrs"].get("class", "")
        if HARMLESS.match(label):
            if "button--danger" in classes or (form and form["attrs"].get("hx-confirm")):
                problems.append(f"{where}: must neither ask nor be red")
            continue
        if not DESTRUCTIVE.match(label):
            continue
        seen.add(label.split()[0])
        if form is None or form["attrs"].get("method") != "post":
            problems.append(f"{where}: not in its own POST form")
            continue
        attrs = form["attrs"]
        if attrs.get("hx-post") != attrs.get("action"):
            problems.append(f"{where}: hx-post does not mirror the action")
        if "button--danger" not in classes:
            problems.append(f"{where}: not red (button--danger)")
        question = attrs.get("hx-confirm", "")
        if "?" not in question:
            problems.append(f"{where}: no hx-confirm question ({question!r})")
        hidden_context = " ".join(button["text"].split())[len(label):].strip()
        if hidden_context and hidden_context not in question:
            problems.append(f"{where}: the question {question!r} does not name {hidden_context!r}")
        if label in TYPED_CONFIRMATION:
            continue
        boxes = form["boxes"]
        if not (len(boxes) == 1 and boxes[0][0] and "required" in boxes[0][1]
                and boxes[0][1].get("value") == "yes"):
            problems.append(f"{where}: needs one required Confirm box inside <noscript> ({boxes})")
    assert {"Delete", "Remove", "Revoke", "Leave", "Withdraw", "Ban", "Hide"} <= seen, seen
    assert not problems, "\n".join(sorted(set(problems)))


def confirm_cases(world):
    """Each destructive route of the matrix with its happy-path form minus the tick."""
    for (endpoint, method), cases in sorted(ROUTES.items()):
        case = cases[0]
        data = case.data(world.w) if callable(case.data) else dict(case.data)
        if method == "POST" and data.get("confirm") == "yes":
            data.pop("confirm")
            actor = next(a for a in ("builder", "member", "other", "admin", "moderator", "judge")
                         if a in case.allowed() and a not in case.expect)
            yield endpoint, actor, case.url(world.w), data


def test_without_javascript_a_missing_tick_is_422_with_the_box_focused(world):
    problems, tried = [], []
    for endpoint, actor, url, data in confirm_cases(world):
        tried.append(endpoint)
        with world.turn():
            before = world.fingerprint()
            world.session.commit()
            response = world.client(actor).post(url, data)
            body = response.get_data(as_text=True)
            world.session.rollback()
            changed = world.fingerprint() != before
        if response.status_code != 422 or "Tick the box to confirm" not in body:
            problems.append(f"{endpoint}: {response.status_code}, no 'Tick the box to confirm'")
        elif not re.search(r'<input type="checkbox" name="confirm" value="yes" required '
                           r'autofocus data-focus aria-invalid="true"', body):
            problems.append(f"{endpoint}: the Confirm box is not shown outside <noscript>, focused")
        elif body.count("autofocus") != 1:
            problems.append(f"{endpoint}: {body.count('autofocus')} focused elements")
        if changed:
            problems.append(f"{endpoint}: changed data without the tick")
    for must in ("projects.delete", "projects.leave_event", "teams.revoke", "teams.leave",
                 "teams.remove_member", "events.withdraw", "moderation.hide_profile",
                 "moderation.ban_profile", "moderation.hide_project", "events_admin.delete",
                 "streams_admin.remove_stream_category", "profiles.delete_avatar"):
        assert must in tried, f"{must} is not a confirmed action in the matrix"
    assert not problems, "\n".join(problems)


def test_htmx_requests_need_no_tick(world):
    """htmx asked in the browser already (hx-confirm): the tick is not required."""
    for endpoint, actor, url, data in confirm_cases(world):
        with world.turn():
            response = world.client(actor).post(url, data, htmx=True)
            assert response.status_code < 400, f"{endpoint}: {response.status_code}"
