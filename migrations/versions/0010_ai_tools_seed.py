"""The AI-tools catalogue's starting set: 22 well-known tools by category.

Revision ID: 0010_ai_tools_seed
Revises: 0009_hackathon
Create Date: 2026-12-06

A data migration. Idempotent on the folded name (``name_key``): a tool builders already
added under that name is kept as it is. Seeded rows have no creator and fixed ids and
timestamps, so downgrading and upgrading again gives the same rows. The downgrade removes
the seeded tools nobody uses yet (no submission names them, no tool was merged into them).
The keys and slugs are written out here (a migration must not depend on today's code);
``tools/rules.py`` folds names the same way.
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0010_ai_tools_seed"
down_revision = "0009_hackathon"
branch_labels = None
depends_on = None

SEEDED_AT = "2026-01-01T00:00:00+00:00"
NAMESPACE = uuid.UUID("6f1c1a52-5d0a-4c43-9a57-5d1b0e8f2a10")
TOOLS = {  # category: [(name, name_key, slug)]
    "planning": [("ChatGPT", "chatgpt", "chatgpt"), ("Perplexity", "perplexity", "perplexity"),
                 ("Notion AI", "notionai", "notion-ai")],
    "coding": [("Cursor", "cursor", "cursor"), ("Claude Code", "claudecode", "claude-code"),
               ("GitHub Copilot", "githubcopilot", "github-copilot"),
               ("Windsurf", "windsurf", "windsurf"), ("OpenAI Codex", "openaicodex", "openai-codex"),
               ("Replit", "replit", "replit"), ("Lovable", "lovable", "lovable"),
               ("Bolt", "bolt", "bolt"), ("v0", "v0", "v0"), ("Cline", "cline", "cline")],
    "code_review": [("CodeRabbit", "coderabbit", "coderabbit"),
                    ("Greptile", "greptile", "greptile"), ("Qodo", "qodo", "qodo")],
    "models": [("Claude", "claude", "claude"), ("GPT", "gpt", "gpt"),
               ("Gemini", "gemini", "gemini"), ("Llama", "llama", "llama"),
               ("Mistral", "mistral", "mistral"), ("DeepSeek", "deepseek", "deepseek")],
}


def _seeded():
    for category, tools in TOOLS.items():
        for name, key, slug in tools:
            yield category, name, key, slug, uuid.uuid5(NAMESPACE, key)


def upgrade():
    conn = op.get_bind()
    for category, name, key, slug, tool_id in _seeded():
        if conn.execute(sa.text("SELECT 1 FROM ai_tools WHERE name_key = :k"), {"k": key}).first():
            continue
        taken = set(conn.execute(sa.text(
            "SELECT slug FROM ai_tools WHERE slug = :s OR slug LIKE :p"),
            {"s": slug, "p": slug + "-%"}).scalars())
        unique, n = slug, 2
        while unique in taken:
            unique, n = f"{slug}-{n}", n + 1
        conn.execute(sa.text(
            "INSERT INTO ai_tools (id, name, name_key, slug, category, created_at, updated_at) "
            "VALUES (:id, :name, :key, :slug, CAST(:category AS ai_tool_category), "
            "CAST(:at AS timestamptz), CAST(:at AS timestamptz)) "
            "ON CONFLICT (name_key) DO NOTHING"),
            {"id": tool_id, "name": name, "key": key, "slug": unique, "category": category,
             "at": SEEDED_AT})


def downgrade():
    keys = [key for _c, _n, key, _s, _i in _seeded()]
    op.get_bind().execute(sa.text(
        "DELETE FROM ai_tools t WHERE t.name_key = ANY(:keys) AND t.created_by IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM event_submission_tools u WHERE u.tool_id = t.id) "
        "AND NOT EXISTS (SELECT 1 FROM ai_tools m WHERE m.merged_into_id = t.id)"),
        {"keys": keys})
