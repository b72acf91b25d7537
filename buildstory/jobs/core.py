"""The job queue: a registry of tasks, deferring on the caller's SQLAlchemy session, and
the procrastinate App the worker runs.

* Feature packages declare tasks in ``<feature>/tasks.py`` with ``@jobs.task(name=…,
  queue=…)``; the function takes the worker's session first and its JSON keyword
  arguments after it, and the worker commits after it returns (rolls back if it raises).
* ``defer``/``defer_many`` insert the job rows with procrastinate's own SQL function on
  the session's connection, so they commit or roll back with the rest of the request.
* ``procrastinate_app(flask_app)`` builds the App (a psycopg 3 connector to the app's
  database) with every registered task wrapped in the Flask app's context.

This module never imports flask: the Flask app comes in as an argument.
"""
from __future__ import annotations

import contextvars
import importlib
import importlib.util
import json
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

import procrastinate
from sqlalchemy import exc, text
from sqlalchemy.engine import make_url

QUEUES = ("mail", "webhooks", "fanout", "maintenance")
# A failing job runs DEFAULT_ATTEMPTS times in all, waiting EXPONENTIAL_WAIT ** n seconds
# before retry n: 3 s, 9 s, 27 s … 2187 s (~36 min) before the eighth and last run; then
# it stays "failed" (shown on /admin/jobs, retried from there by hand).
EXPONENTIAL_WAIT = 3
DEFAULT_ATTEMPTS = 8


@dataclass(frozen=True)
class TaskSpec:
    name: str
    queue: str
    func: Callable[..., Any]
    attempts: int
    cron: str | None
    priority: int


@dataclass(frozen=True)
class JobInfo:
    """What a running task may want to know about its job (``current_job()``)."""

    id: int
    task_name: str
    attempt: int        # 1 for the first run, 2 for the first retry …
    attempts: int       # how many runs the task gets in all

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.attempts


_registry: dict[str, TaskSpec] = {}
_current: contextvars.ContextVar[JobInfo | None] = contextvars.ContextVar("job", default=None)


def task(*, name: str, queue: str, attempts: int = DEFAULT_ATTEMPTS, cron: str | None = None,
         priority: int = 0):
    """Register ``func(session, **kwargs)`` as the task ``name`` on ``queue``.

    ``attempts`` is the number of runs before the job is marked failed (1: no retry).
    ``cron`` ("*/10 * * * *") makes it periodic: the workers defer it once per period
    between them, with a ``timestamp`` keyword argument. Returns ``func`` unchanged.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; queues are {', '.join(QUEUES)}")
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(func):
        existing = _registry.get(name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"task {name!r} is already registered")
        _registry[name] = TaskSpec(name, queue, func, attempts, cron, priority)
        return func

    return decorate


def registered() -> dict[str, TaskSpec]:
    """Every registered task by name (after ``load_tasks()``)."""
    return dict(_registry)


_loaded = False


def load_tasks() -> None:
    """Import every ``buildstory.<feature>.tasks`` module once, registering its tasks."""
    global _loaded
    if _loaded:
        return
    import buildstory

    for module in pkgutil.iter_modules(buildstory.__path__):
        if module.ispkg and module.name != "jobs":
            spec = importlib.util.find_spec(f"buildstory.{module.name}.tasks")
            if spec is not None:
                importlib.import_module(f"buildstory.{module.name}.tasks")
    _loaded = True


def _spec(task_name: str) -> TaskSpec:
    load_tasks()
    try:
        return _registry[task_name]
    except KeyError:
        raise ValueError(f"no task named {task_name!r} is registered") from None


def current_job() -> JobInfo | None:
    """The job the current worker thread runs, or None outside a job."""
    return _current.get()


# --- Deferring --------------------------------------------------------------------------

_ROW = ("ROW(CAST(:queue AS varchar), CAST(:task AS varchar), CAST(:priority AS integer), "
        "NULL, {qlock}, {args}, NULL)::procrastinate_job_to_defer_v1")
_DEFER_ONE = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY["
    + _ROW.format(qlock="CAST(:qlock AS text)", args="CAST(:args AS jsonb)") + "]))")
_DEFER_MANY = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY(SELECT "
    + _ROW.format(qlock="NULL", args="a.value")
    + " FROM jsonb_array_elements(CAST(:args AS jsonb)) WITH ORDINALITY AS a ORDER BY a.ordinality)))")


def defer(session, task_name: str, *, queue: str | None = None, priority: int | None = None,
          queueing_lock: str | None = None, **kwargs) -> int | None:
    """Queue one job in the session's transaction; return its id.

    One statement. With ``queueing_lock``, a job already waiting under that lock wins and
    None is returned (the statement runs in a savepoint so the caller's transaction goes
    on). ``kwargs`` must be JSON-serialisable; ``queue`` defaults to the task's queue.
    """
    spec = _spec(task_name)
    params = {"queue": queue or spec.queue, "task": task_name,
              "priority": spec.priority if priority is None else priority,
              "qlock": queueing_lock, "args": json.dumps(kwargs)}
    _check_queue(params["queue"])
    if queueing_lock is None:
        return session.execute(_DEFER_ONE, params).scalar_one()
    try:
        with session.begin_nested():
            return session.execute(_DEFER_ONE, params).scalar_one()
    except exc.IntegrityError:
        return None


def defer_many(session, task_name: str, kwargs_list: list[dict], *, queue: str | None = None,
               priority: int | None = None) -> list[int]:
    """Queue one job per kwargs dict in ONE statement in the session's transaction; return
    their ids in order (none and no statement for an empty list)."""
    spec = _spec(task_name)
    if not kwargs_list:
        return []
    params = {"queue": queue or spec.queue, "task": task_name,
              "priority": spec.priority if priority is None else priority,
              "args": json.dumps(list(kwargs_list))}
    _check_queue(params["queue"])
    return list(session.execute(_DEFER_MANY, params).scalars())


def _check_queue(queue: str) -> None:
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; queues are {', '.join(QUEUES)}")


# --- The worker ---------------------------------------------------------------------------

def conninfo(database_uri: str) -> str:
    """The libpq connection string of a SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return make_url(database_uri).set(drivername="postgresql").render_as_string(
        hide_password=False)


def _wrap(flask_app, spec: TaskSpec):
    from ..db import db

    def run(context, **kwargs):
        job = context.job
        info = JobInfo(id=job.id, task_name=spec.name, attempt=(job.attempts or 0) + 1,
                       attempts=spec.attempts)
        token = _current.set(info)
        try:
            with flask_app.app_context():
                try:
                    result = spec.func(db.session, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
        finally:
            _current.reset(token)

    run.__name__ = run.__qualname__ = spec.func.__name__
    run.__module__ = spec.func.__module__
    return run


def procrastinate_app(flask_app) -> procrastinate.App:
    """The procrastinate App for ``flask_app``'s database with every registered task.

    Built on first use and kept in ``flask_app.extensions`` (rebuilt when tasks were
    registered since). Open it (``with app.open(): …``) before deferring through it;
    ``run_worker`` opens it itself.
    """
    load_tasks()
    cached = flask_app.extensions.get("procrastinate")
    if cached is not None and cached[0] == len(_registry):
        return cached[1]
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(flask_app.config.get("JOBS_DATABASE_URL")
                          or flask_app.config["SQLALCHEMY_DATABASE_URI"]))
    papp = procrastinate.App(connector=connector,
                             worker_defaults={"delete_jobs": "successful"})
    for spec in _registry.values():
        retry = (procrastinate.RetryStrategy(max_attempts=spec.attempts - 1,
                                             exponential_wait=EXPONENTIAL_WAIT)
                 if spec.attempts > 1 else False)
        registered_task = papp.task(name=spec.name, queue=spec.queue, retry=retry,
                                    priority=spec.priority, pass_context=True)(
            _wrap(flask_app, spec))
        if spec.cron:
            papp.periodic(cron=spec.cron, periodic_id=spec.name)(registered_task)
    flask_app.extensions["procrastinate"] = (len(_registry), papp)
    return papp


def run_worker(flask_app, *, queues=None, concurrency: int = 4, wait: bool = True,
               install_signal_handlers: bool = True, listen_notify: bool = True) -> None:
    """Run a worker on ``queues`` (all when None) until stopped, or with ``wait=False``
    until the queues are empty. SIGTERM/SIGINT let running jobs finish; successful jobs
    are deleted."""
    papp = procrastinate_app(flask_app)
    papp.run_worker(queues=list(queues) if queues else None, concurrency=concurrency,
                    wait=wait, install_signal_handlers=install_signal_handlers,
                    listen_notify=listen_notify, delete_jobs="successful",
                    shutdown_graceful_timeout=None)
