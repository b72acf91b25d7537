"""The seed data migration 0010_ai_tools_seed, on a database of its own: the 22 tools by
category, idempotent on the folded name, and a downgrade that removes only unused seeds."""
import pytest
import sqlalchemy as sa
from alembic import command

from buildstory import create_app
from buildstory.db import db
from buildstory.tools.rules import base_slug, fold

SEED = {
    "planning": ["ChatGPT", "Perplexity", "Notion AI"],
    "coding": ["Cursor", "Claude Code", "GitHub Copilot", "Windsurf", "OpenAI Codex", "Replit",
               "Lovable", "Bolt", "v0", "Cline"],
    "code_review": ["CodeRabbit", "Greptile", "Qodo"],
    "models": ["Claude", "GPT", "Gemini", "Llama", "Mistral", "DeepSeek"],
}


@pytest.fixture
def seed_app(cluster):
    cluster.create_database("buildstory_tools_seed")
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_tools_seed")})
    with app.app_context():
        yield app, app.extensions["migrate"].migrate.get_config()
        db.session.remove()
        db.engine.dispose()


def tools(conn):
    return {r.name_key: r for r in conn.execute(sa.text(
        "SELECT name, name_key, slug, category::text AS category, created_by FROM ai_tools"))}


def test_seed_is_the_catalogue_by_category(seed_app):
    _app, config = seed_app
    command.upgrade(config, "head")
    with db.engine.connect() as conn:
        rows = tools(conn)
    expected = {fold(n): (n, base_slug(n), c) for c, names in SEED.items() for n in names}
    assert len(rows) == 22
    assert {k: (r.name, r.slug, r.category) for k, r in rows.items()} == expected
    assert all(r.created_by is None for r in rows.values())


def test_seed_is_idempotent_and_downgrade_keeps_used_tools(seed_app):
    _app, config = seed_app
    command.upgrade(config, "head")
    command.downgrade(config, "0009_hackathon")
    with db.engine.begin() as conn:
        assert tools(conn) == {}
        pid = conn.execute(sa.text(
            "INSERT INTO profiles (clerk_id, display_name) VALUES ('u1', 'Ada') RETURNING id")).scalar()
        # a builder's "CURSOR!" (same key as Cursor) and a tool holding the slug "bolt"
        conn.execute(sa.text(
            "INSERT INTO ai_tools (name, name_key, slug, created_by) VALUES "
            "('CURSOR!', 'cursor', 'cursor', :p), ('Bolt on', 'bolton', 'bolt', :p)"), {"p": pid})
    command.upgrade(config, "head")
    with db.engine.begin() as conn:
        rows = tools(conn)
        assert len(rows) == 23
        assert rows["cursor"].name == "CURSOR!" and rows["bolt"].slug == "bolt-2"
        # Gemini is a merge target: the downgrade keeps it
        conn.execute(sa.text(
            "INSERT INTO ai_tools (name, name_key, slug, merged_into_id) "
            "SELECT 'Bard', 'bard', 'bard', id FROM ai_tools WHERE name_key = 'gemini'"))
    command.downgrade(config, "0009_hackathon")
    with db.engine.connect() as conn:
        assert set(tools(conn)) == {"cursor", "bolton", "gemini", "bard"}
    command.upgrade(config, "head")
