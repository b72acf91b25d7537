"""The project list, search and page lookups are index-backed (docs/architecture.md "Quality bars")."""
from sqlalchemy import text

from buildstory.projects import queries
from tests.factories import ProfileFactory, ProjectFactory


def plan(session, stmt) -> str:
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = session.execute(text(f"EXPLAIN {compiled}")).scalars()
    return "\n".join(rows)


def test_list_and_search_do_not_scan_projects(db_session, monkeypatch):
    me = ProfileFactory()
    ProjectFactory(owner=me, name="Voice agent")
    seen = []
    real_scalars = db_session.scalars

    def spy(stmt, *a, **kw):
        seen.append(stmt)
        return real_scalars(stmt, *a, **kw)
    monkeypatch.setattr(db_session, "scalars", spy)
    queries.list_projects(db_session)
    queries.list_projects(db_session, q="voice")
    queries.projects_of(db_session, me, q="voice")
    monkeypatch.undo()
    for stmt in seen:
        explained = plan(db_session, stmt)
        assert "Seq Scan on projects" not in explained, explained
        assert "Seq Scan on profiles" not in explained, explained
