"""/admin/webhooks: add, edit, test, enable, disable, rotate and delete endpoints; retry a
failed delivery (admins; mounted under /admin)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..errors import Conflict, ValidationFailed
from ..web import htmx
from ..web.auth import role_required
from ..web.refusals import refusal
from . import forms, queries, rules, services

bp = Blueprint("webhooks_admin", __name__)

LIST = "admin/webhooks.html"
DETAIL = "admin/webhook.html"
LIST_BLOCKS = {"webhooks-main": "webhooks_main"}
DETAIL_BLOCKS = {"webhook-form": "webhook_form", "webhook-actions": "webhook_actions",
                 "webhook-deliveries": "webhook_deliveries"}
# Enabling and disabling change the page's badge too: the whole page comes back.
RELOAD = {"enabled", "disabled"}
NOTICES = {"saved": "Webhook saved", "unchanged": "Nothing changed",
           "test": "Test queued: a ping is on its way", "enabled": "Webhook enabled",
           "disabled": "Webhook disabled", "retried": "Delivery queued again"}


@bp.before_request
@role_required("admin")
def _admins_only():
    """Every page here is admin-only (403 for moderators and builders)."""
    return None


def _guard_settings() -> dict:
    config = current_app.config
    return {"require_https": config["WEBHOOK_REQUIRE_HTTPS"],
            "allow_private": config["WEBHOOK_ALLOW_PRIVATE"]}


def _common() -> dict:
    return {"event_labels": rules.EVENTS, "formats": rules.FORMATS,
            "max_endpoints": rules.MAX_ENDPOINTS}


def _list(status=200, values=None, errors=None, *, message=None, created=None, secret=None):
    return htmx.page(LIST, LIST_BLOCKS, status, endpoints=queries.endpoints(db.session),
                     values=values or {"format": "discord", "events": []},
                     errors=errors or {}, message=message, created=created, secret=secret,
                     **_common())


@bp.route("/webhooks", methods=["GET", "POST"])
def index():
    """The endpoints and the Add webhook form; a JSON endpoint's secret is shown once."""
    if request.method == "GET":
        return _list()
    values = forms.webhook_values(request.form)
    with refusal() as refused:
        endpoint, secret = services.create_endpoint(db.session, g.profile, values,
                                                    now=utcnow(), **_guard_settings())
    if refused:
        return _list(refused.status, values, refused.errors, message=refused.message)
    db.session.commit()
    return _list(created=endpoint, secret=secret)


def _detail(endpoint, status=200, *, values=None, errors=None, notice=None, notice_in=None,
            message=None, message_in=None, secret=None, confirm_error=None):
    return htmx.page(DETAIL, DETAIL_BLOCKS, status, endpoint=endpoint,
                     deliveries=queries.latest_deliveries(db.session, endpoint.id),
                     values=values or forms.endpoint_values(endpoint), errors=errors or {},
                     notice=notice, notice_in=notice_in, message=message,
                     message_in=message_in, secret=secret, confirm_error=confirm_error,
                     **_common())


def _notice_in(done: str | None) -> str:
    return {"saved": "form", "unchanged": "form", "retried": "deliveries"}.get(done, "actions")


@bp.route("/webhooks/<uuid:webhook_id>", methods=["GET", "POST"])
def edit(webhook_id):
    """An endpoint: its form (Save webhook), state, last error and latest deliveries."""
    endpoint = queries.endpoint_or_404(db.session, webhook_id)
    if request.method == "GET":
        done = request.args.get("done")
        return _detail(endpoint, notice=NOTICES.get(done), notice_in=_notice_in(done))
    values = forms.webhook_values(request.form)
    with refusal(ValidationFailed) as refused:
        changes, secret = services.update_endpoint(db.session, g.profile, endpoint, values,
                                                   now=utcnow(), **_guard_settings())
    if refused:
        endpoint = queries.endpoint_or_404(db.session, webhook_id)
        return _detail(endpoint, refused.status, values=values, errors=refused.errors)
    db.session.commit()
    if secret:  # the format became JSON: its new secret is shown once, here
        return _detail(endpoint, secret=secret, notice=NOTICES["saved"], notice_in="form")
    done = "saved" if changes else "unchanged"
    return htmx.redirect(url_for(".edit", webhook_id=endpoint.id, done=done))


def _act(webhook_id, action, done: str | None):
    """Run one endpoint action; answer the page (htmx: the actions card) or a 409 in place."""
    endpoint = queries.endpoint_or_404(db.session, webhook_id)
    with refusal(Conflict) as refused:
        result = action(endpoint)
    if refused:
        endpoint = queries.endpoint_or_404(db.session, webhook_id)
        return _detail(endpoint, refused.status, message=refused.message,
                       message_in="actions")
    db.session.commit()
    if done is None:  # the action's answer is shown right here (a new secret)
        return _detail(endpoint, secret=result)
    if htmx.is_htmx() and done not in RELOAD:
        return _detail(endpoint, notice=NOTICES[done], notice_in="actions")
    return htmx.redirect(url_for(".edit", webhook_id=endpoint.id, done=done))


@bp.post("/webhooks/<uuid:webhook_id>/test")
def send_test(webhook_id):
    """Queue a ``ping`` to this endpoint (Send test)."""
    return _act(webhook_id, lambda e: services.send_test(db.session, e, now=utcnow()), "test")


@bp.post("/webhooks/<uuid:webhook_id>/enable")
def enable(webhook_id):
    """Enable an endpoint; 409 "Webhook is already enabled"."""
    return _act(webhook_id, lambda e: services.set_enabled(db.session, g.profile, e, True,
                                                           now=utcnow()), "enabled")


@bp.post("/webhooks/<uuid:webhook_id>/disable")
def disable(webhook_id):
    """Disable an endpoint; 409 "Webhook is already disabled"."""
    return _act(webhook_id, lambda e: services.set_enabled(db.session, g.profile, e, False,
                                                           now=utcnow()), "disabled")


@bp.post("/webhooks/<uuid:webhook_id>/rotate-secret")
def rotate_secret(webhook_id):
    """Replace a JSON endpoint's secret and show the new one once; 409 for Discord."""
    return _act(webhook_id, lambda e: services.rotate_secret(db.session, g.profile, e,
                                                             now=utcnow()), None)


@bp.post("/webhooks/<uuid:webhook_id>/delete")
def delete(webhook_id):
    """Delete an endpoint and its deliveries (confirmed); back to the list."""
    endpoint = queries.endpoint_or_404(db.session, webhook_id)
    if not htmx.confirmed():
        return _detail(endpoint, 422, confirm_error=htmx.CONFIRM_REQUIRED)
    services.delete_endpoint(db.session, g.profile, endpoint)
    db.session.commit()
    return htmx.redirect(url_for(".index"))


@bp.post("/webhooks/deliveries/<uuid:delivery_id>/retry")
def retry_delivery(delivery_id):
    """Queue a failed delivery again (Retry); 409 "Only failed deliveries can be retried"."""
    delivery = queries.delivery_or_404(db.session, delivery_id)
    endpoint_id = delivery.endpoint_id
    with refusal(Conflict) as refused:
        services.retry_delivery(db.session, g.profile, delivery, now=utcnow())
    endpoint = queries.endpoint_or_404(db.session, endpoint_id)
    if refused:
        return _detail(endpoint, refused.status, message=refused.message,
                       message_in="deliveries")
    db.session.commit()
    if htmx.is_htmx():
        return _detail(endpoint, notice=NOTICES["retried"], notice_in="deliveries")
    return htmx.redirect(url_for(".edit", webhook_id=endpoint.id, done="retried"))
