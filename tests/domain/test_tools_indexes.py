"""The catalogue's reads use their indexes (EXPLAIN with sequential scans off): a category
page walks ix_ai_tools_catalogue in order, a tool page reaches its submissions through
ix_event_submission_tools_tool_id."""
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from buildstory.enums import AiToolCategory
from buildstory.tools import queries
from buildstory.tools.models import AiTool
from tests.hackathon_factories import AiToolFactory, EventSubmissionFactory


def explain(session, stmt):
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(session.execute(text("EXPLAIN " + sql)).scalars())


def test_category_page_reads_the_catalogue_index_in_order(db_session):
    for i in range(30):
        AiToolFactory(category=AiToolCategory.coding, usage_count=i)
    stmt = (select(AiTool).where(queries.listed(), AiTool.category == AiToolCategory.coding)
            .order_by(AiTool.usage_count.desc(), AiTool.name).limit(51))
    plan = explain(db_session, stmt)
    assert "ix_ai_tools_catalogue" in plan and "Sort" not in plan, plan


def test_tool_page_reaches_its_submissions_by_the_tool_index(db_session):
    tool = AiToolFactory()
    for _ in range(10):
        EventSubmissionFactory(tools=[tool])
    captured = []
    real = db_session.execute

    def spy(stmt, *a, **kw):
        captured.append(stmt)
        return real(stmt, *a, **kw)

    db_session.execute = spy
    try:
        rows, _ = queries.submissions_using(db_session, tool.id)
    finally:
        del db_session.execute
    assert len(rows) == 10
    plan = explain(db_session, captured[0])
    assert "ix_event_submission_tools_tool_id" in plan and "Seq Scan" not in plan, plan
