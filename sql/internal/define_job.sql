-- internal.define_job(): declare a job (one file per job in sql/jobs/, re-applied by every
-- `ratecard db migrate`). Schedules are data: what is defined here is the default, and an
-- operator's schedule (api.set_job_schedule) or pause is kept across definitions. Checks
-- the schedule (internal.cron_next) and, for a SQL job, that its step function exists:
-- `internal.job_<name>(p_args jsonb) returns jsonb` unless p_target names another.
-- p_args: the arguments every run gets unless an operator (api.set_job_args) or the caller
-- says otherwise (for example {"older_than": "7 days"}); a JSON object.
-- A definition that no file makes any more is deleted at the end of the migrate run
-- (internal.forget_undefined_jobs), and migrate unschedules it from pg_cron.
create or replace function internal.define_job(
  p_name text,
  p_kind text,
  p_description text,
  p_schedule text default null,
  p_max_attempts integer default 5,
  p_lease_seconds integer default 300,
  p_lock_on text[] default '{}',
  p_backoff_seconds integer default 10,
  p_backoff_max_seconds integer default 3600,
  p_target text default null,
  p_args jsonb default '{}'
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_target text := case when p_kind = 'sql' then coalesce(p_target, 'internal.job_' || p_name) end;
  v_proc regprocedure;
begin
  if p_kind is null or p_kind not in ('sql', 'queue') then
    raise exception 'job kind must be sql or queue, got %', p_kind using errcode = 'RC005';
  end if;
  if p_args is null or pg_catalog.jsonb_typeof(p_args) <> 'object' then
    raise exception 'job %: arguments must be a JSON object', p_name using errcode = 'RC005';
  end if;
  if p_schedule is not null then
    perform internal.cron_next(p_schedule, pg_catalog.now());
  end if;
  if v_target is not null then
    v_proc := pg_catalog.to_regprocedure(v_target || '(jsonb)');
    if v_proc is null or (select p.prorettype from pg_catalog.pg_proc p where p.oid = v_proc)
                         <> 'jsonb'::pg_catalog.regtype then
      raise exception 'job %: no function %(jsonb) returning jsonb', p_name, v_target
        using errcode = 'RC005';
    end if;
  end if;
  insert into core.jobs as j (name, kind, description, target, schedule, max_attempts,
                              lease_seconds, lock_on, backoff_seconds, backoff_max_seconds,
                              args, defined_at)
  values (p_name, p_kind, p_description, v_target, pg_catalog.btrim(p_schedule),
          p_max_attempts, p_lease_seconds, p_lock_on, p_backoff_seconds,
          p_backoff_max_seconds, p_args, pg_catalog.now())
  on conflict (name) do update
     set kind = excluded.kind, description = excluded.description, target = excluded.target,
         schedule = excluded.schedule, max_attempts = excluded.max_attempts,
         lease_seconds = excluded.lease_seconds, lock_on = excluded.lock_on,
         backoff_seconds = excluded.backoff_seconds,
         backoff_max_seconds = excluded.backoff_max_seconds, args = excluded.args,
         defined_at = excluded.defined_at;
end
$$;

comment on function internal.define_job(text, text, text, text, integer, integer, text[],
                                        integer, integer, text, jsonb) is
  'Declare a job (sql/jobs/*.sql): kind, default schedule, attempts, lease, lock, backoff.';
revoke execute on function internal.define_job(text, text, text, text, integer, integer,
                                               text[], integer, integer, text, jsonb)
  from public;
