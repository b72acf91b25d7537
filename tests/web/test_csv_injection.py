"""CSV exports cannot carry a formula, also for programs that split cells on ``;``, tabs or
line breaks: a trigger after any separator is neutralised, and every field is quoted."""
from __future__ import annotations

import csv
import io

import pytest

from tests.factories import (EventFactory, EventRegistrationFactory, MentorApplicationFactory,
                             ProfileFactory)

PAYLOADS = ["a;=HYPERLINK(A1)", "Bob;=2+5", "x,=1+1", "y; +cmd|' /C calc'!A0", "z;-2+3",
            "w;@SUM(1)", "tab\t=1+1", "line\n=1+1", "=plain formula"]
TRIGGERS = tuple("=+-@")


def body(response) -> str:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response.get_data(as_text=True).lstrip("\ufeff")


def assert_inert(raw: str):
    """Split the file as any spreadsheet might: no cell starts with a formula trigger."""
    for sep in (";", ",", "\t", "\n", "\r"):
        for piece in raw.split(sep):
            cell = piece.strip(' "\r\n\t')
            assert not cell.startswith(TRIGGERS), (sep, piece)


def assert_all_quoted(raw: str):
    """Written again with every field quoted, the file is byte for byte the same."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL).writerows(csv.reader(io.StringIO(raw)))
    assert out.getvalue() == raw


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True))


def test_registrations_export_neutralises_triggers_after_separators(admin):
    event = EventFactory(status="active", slug="csv-jam")
    for i, payload in enumerate(PAYLOADS):
        EventRegistrationFactory(event=event, profile=ProfileFactory(
            username=f"csv{i}", display_name=payload))
    raw = body(admin.get("/admin/events/csv-jam/registrations.csv"))
    assert_inert(raw)
    assert_all_quoted(raw)
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(raw))}
    assert rows["csv0"] == "a;'=HYPERLINK(A1)"
    assert rows["csv1"] == "Bob;'=2+5"
    assert rows["csv8"] == "'=plain formula"


def test_mentor_export_neutralises_triggers_after_separators(admin):
    for i, payload in enumerate(PAYLOADS):
        MentorApplicationFactory(name=payload, email=f"m{i}@example.com",
                                 background=f"Shipped;{payload}", availability=payload)
    raw = body(admin.get("/admin/mentors.csv"))
    assert_inert(raw)
    assert_all_quoted(raw)
    rows = {row[3]: row for row in csv.reader(io.StringIO(raw))}
    assert rows["m0@example.com"][2] == "a;'=HYPERLINK(A1)"
    assert rows["m1@example.com"][2] == "Bob;'=2+5"
    assert "Shipped;'=plain formula" in rows["m8@example.com"]
