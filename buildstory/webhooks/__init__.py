"""Outgoing webhooks: endpoints admins add, deliveries the worker sends, milestones.

``services.emit`` is what other features call when a public moment happens; the worker
(``jobs.py``) sends each delivery, signed (JSON) or as a Discord message, through the
address guard of ``guard.py``. docs/rules.md "Webhooks" lists the rules and messages.
"""
