-- internal.job_lock_key(): the lock a run holds while it runs, from its job's lock_on:
-- null (no lock), '{}' (one running run of the job: `<job>`) or argument names (one per
-- job and values: `<job>:<value>...`). core.job_runs allows one running run per key.
create or replace function internal.job_lock_key(p_job text, p_lock_on text[], p_args jsonb)
returns text
language sql
immutable
parallel safe
as $$
  select case when p_lock_on is null then null
              else p_job || coalesce((select pg_catalog.string_agg(
                                                ':' || coalesce(p_args->>k, ''), '' order by o)
                                         from pg_catalog.unnest(p_lock_on)
                                              with ordinality u(k, o)), '') end
$$;

comment on function internal.job_lock_key(text, text[], jsonb) is
  'Lock key of a run: null, the job name, or the job name and its lock_on argument values.';
revoke execute on function internal.job_lock_key(text, text[], jsonb) from public;
