"""Explicit waits for "nothing happened" checks, instead of fixed sleeps.

* ``count_htmx_requests`` / ``htmx_requests`` — count the requests htmx starts in the page
  (``htmx:beforeRequest`` fires synchronously inside the click or key handler that would
  send one, so once the handler has run the count is final).
* ``htmx_answer`` — wait until the next htmx request started inside the block has been
  answered and handled (swapped, or left alone for a 204).
* ``pending_events_ran`` — wait until the page rendered a frame and ran the tasks queued
  before it (load/error/toggle handlers of what was just parsed).
"""
from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

ANSWER_TIMEOUT_MS = 5000


def count_htmx_requests(page) -> None:
    page.evaluate("""() => {
      window.__htmxRequests = 0;
      document.addEventListener('htmx:beforeRequest', () => { window.__htmxRequests += 1; });
    }""")


def htmx_requests(page) -> int:
    """The htmx requests started since ``count_htmx_requests`` (after handlers already run)."""
    return page.evaluate("() => window.__htmxRequests")


@contextmanager
def htmx_answer(page):
    """Yield an object whose ``status`` is, after the block, the HTTP status of the first
    htmx request the block started ("timeout" when none was answered in time)."""
    page.evaluate("""(ms) => {
      window.__htmxAnswer = new Promise(resolve => {
        document.addEventListener('htmx:afterRequest',
                                  e => resolve(e.detail.xhr.status), {once: true});
        setTimeout(() => resolve('timeout'), ms);
      });
    }""", ANSWER_TIMEOUT_MS)
    answer = SimpleNamespace(status=None)
    yield answer
    answer.status = page.evaluate("() => window.__htmxAnswer")


def pending_events_ran(page) -> None:
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
