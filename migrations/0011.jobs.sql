-- depends: 0010.analytics
--
-- Jobs: their definitions and schedules as data (core.jobs), and every run, queued or
-- direct, in one table (core.job_runs) that is also the durable queue.
--
-- core.jobs rows come from sql/jobs/*.sql (internal.define_job), re-applied by every
-- `ratecard db migrate`; a definition that is no longer there is deleted at the end of the
-- run. What an operator changes (schedule_override, enabled) is never touched by a
-- definition. `ratecard db migrate` installs each effective schedule into pg_cron as
-- `ratecard.<name>` and records its job id in cron_jobid; a scheduled job without one is
-- fired by `ratecard worker` instead (fired_at: the last time it fired one).
--
-- core.job_runs: one row per run. A queued run is claimed with `for update skip locked`;
-- the claim leases it (lease_until) to one worker, which extends the lease while it works;
-- a run whose lease expired is taken again. At most one run per lock_key is running (a
-- partial unique index), and at most one run per (job, dedupe_key) is queued or running.

create table core.jobs (
  name text primary key check (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  kind text not null check (kind in ('sql', 'queue')),
  description text not null,
  -- sql jobs: the function that does one step, called with the run's args (jsonb)
  target text,
  -- the schedule as defined (5-field cron, UTC; null: runs only when asked for)
  schedule text,
  -- an operator's schedule, which wins over the defined one (api.set_job_schedule)
  schedule_override text,
  -- arguments of every run, as defined; an operator's (api.set_job_args) are merged on top,
  -- then those given when the run is asked for
  args jsonb not null default '{}' check (jsonb_typeof(args) = 'object'),
  args_override jsonb check (jsonb_typeof(args_override) = 'object'),
  enabled boolean not null default true,
  max_attempts integer not null default 5 check (max_attempts between 1 and 100),
  lease_seconds integer not null default 300 check (lease_seconds between 1 and 86400),
  backoff_seconds integer not null default 10 check (backoff_seconds between 1 and 86400),
  backoff_max_seconds integer not null default 3600
    check (backoff_max_seconds between 1 and 604800),
  -- null: no lock; '{}': one running run per job; '{tenant_id}': one per job and value of
  -- that argument (several names: one per combination)
  lock_on text[],
  cron_jobid bigint,
  fired_at timestamptz,
  defined_at timestamptz not null default now(),
  check ((kind = 'sql') = (target is not null))
);
comment on table core.jobs is
  'Every job Ratecard runs: kind, schedule, retry policy; from sql/jobs/, schedules overridable.';

create table core.job_runs (
  id bigint generated always as identity primary key,
  job text not null,
  args jsonb not null default '{}' check (jsonb_typeof(args) = 'object'),
  status text not null default 'queued'
    check (status in ('queued', 'running', 'succeeded', 'failed', 'dead')),
  -- queue: claimed by a worker, retried; direct: run at once by its caller (pg_cron, CLI)
  via text not null check (via in ('queue', 'direct')),
  -- the login (and application_name) that asked for it
  requested_by text not null,
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null check (max_attempts >= 1),
  run_at timestamptz not null,
  dedupe_key text,
  lock_key text,
  worker text,
  lease_until timestamptz,
  enqueued_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  steps integer not null default 0,
  result jsonb,
  error text
);
comment on table core.job_runs is
  'Every job run: the durable queue (status queued/running) and the history of runs.';
create unique index job_runs_dedupe on core.job_runs (job, dedupe_key)
  where dedupe_key is not null and status in ('queued', 'running');
create unique index job_runs_lock on core.job_runs (lock_key)
  where lock_key is not null and status = 'running';
create index job_runs_due on core.job_runs (run_at, id) where status = 'queued';
create index job_runs_lease on core.job_runs (lease_until) where status = 'running';
create index job_runs_job on core.job_runs (job, id);
create index job_runs_finished on core.job_runs (finished_at) where finished_at is not null;

-- cleanup_stale_subscriptions: a subscription cancelled long ago is marked expired (its
-- leftover schedule cleared); the status stays what Stripe said.
alter table core.subscriptions add column expired_at timestamptz;

alter table core.jobs enable row level security;
alter table core.job_runs enable row level security;
