"""Background jobs on PostgreSQL (procrastinate): register tasks, defer them inside the
request's transaction, run them in ``flask worker`` (docs/architecture.md "Background
jobs")."""
from .core import (DEFAULT_ATTEMPTS, EXPONENTIAL_WAIT, QUEUES, JobInfo, current_job,
                   defer, defer_many, load_tasks, procrastinate_app, registered, run_worker,
                   task)

__all__ = ["DEFAULT_ATTEMPTS", "EXPONENTIAL_WAIT", "QUEUES", "JobInfo", "current_job",
           "defer", "defer_many", "load_tasks", "procrastinate_app", "registered",
           "run_worker", "task"]
