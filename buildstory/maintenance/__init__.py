"""Keeping the job queue healthy: the periodic re-queue of dead workers' jobs and the
nightly clean-up, and ``/admin/jobs`` (what waits, runs and failed, and who works).

It reads and writes procrastinate's own tables (``procrastinate_jobs``, ``_workers``,
``_events``) with procrastinate's SQL functions; ``buildstory/jobs`` stays the one place
that defers and runs jobs.
"""
