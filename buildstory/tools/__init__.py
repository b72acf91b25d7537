"""The AI-tools catalogue: folded de-duplication, pages, moderation (docs/rules.md "AI tools")."""
