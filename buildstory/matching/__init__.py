"""Skills, roles and time zones of builders; suggested teammates and projects looking for
them (docs/rules.md "Skills and matching")."""
