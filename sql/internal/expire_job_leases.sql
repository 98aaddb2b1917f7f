-- internal.expire_job_leases(): runs whose runner stopped renewing their lease (a worker
-- killed with SIGKILL, a lost connection, pg_cron's process gone) give up what they held.
-- A queued run goes back to the queue at once (its attempt counts; out of attempts it is
-- dead); a direct run (pg_cron, CLI) failed. Called before every claim and direct start, so
-- a lock held by a dead runner never blocks its job for longer than the lease.
create or replace function internal.expire_job_leases()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_count integer;
begin
  update core.job_runs r
     set status = case when r.via = 'direct' then 'failed'
                       when r.attempts >= r.max_attempts then 'dead'
                       else 'queued' end,
         finished_at = case when r.via = 'direct' or r.attempts >= r.max_attempts
                            then v_now end,
         run_at = v_now,
         worker = null,
         lease_until = null,
         error = 'lease expired: its runner ' || coalesce(r.worker, 'process')
                 || ' stopped before it finished'
   where r.id in (select x.id from core.job_runs x
                   where x.status = 'running' and x.lease_until < v_now
                     for update skip locked);
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function internal.expire_job_leases() is
  'Runs whose lease expired: queued again (or dead out of attempts); direct runs failed.';
revoke execute on function internal.expire_job_leases() from public;
