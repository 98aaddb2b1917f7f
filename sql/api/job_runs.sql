-- api.job_runs: every run of every job, newest first: queued (waiting; after a failed
-- attempt, `error` says why and run_at when it is tried again), running (worker, lease),
-- succeeded (result: the job's summary, such as rows affected), failed (a direct run that
-- failed; its schedule runs it again), dead (a queued run out of attempts, with its last
-- error). via: queue (the worker) or direct (pg_cron or the CLI called api.run_job).
create or replace view api.job_runs
with (security_invoker = true)
as
  select r.id, r.job, r.args, r.status, r.via, r.attempts, r.max_attempts, r.enqueued_at,
         r.run_at, r.started_at, r.finished_at,
         extract(epoch from r.finished_at - r.started_at)::float8 as duration_seconds,
         r.error, r.result, r.steps, r.worker, r.lease_until, r.dedupe_key, r.lock_key,
         r.requested_by
    from core.job_runs r
   order by r.id desc;

comment on view api.job_runs is
  'Every job run: status, attempts, times, result summary, last error (newest first).';
grant select on api.job_runs to ratecard_admin;
