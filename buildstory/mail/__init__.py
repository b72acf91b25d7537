"""Email: the outbox and its ``mail.send`` job, per-type email preferences, one-click
unsubscribe, password-reset and address-verification mail (docs/rules.md "Email")."""
