-- api.admin_jobs(): the admin jobs page (GET /admin/jobs) as one JSON document:
--   jobs             every job (api.jobs): schedule, who fires it, last and next run, runs
--                    queued, running and dead
--   runs             the 30 newest runs (api.job_runs) with their status, times and error
-- and the work waiting for them, as the database sees it now:
--   plan_changes     downgrades due to be made in Stripe (api.due_plan_changes)
--   addon_removals   ended add-ons whose Stripe items are to be deleted
--                    (api.due_addon_removals)
--   stripe_retries   stored events waiting for the retry sweep, next attempt first
--   dunning          past-due subscriptions beyond the grace, not yet restricted
--                    (api.run_dunning would restrict them)
--   trials           trials that ended over an hour ago without a payment method
--                    (api.expire_trials would lapse them)
--   snapshot         the latest capacity snapshot's date (api.capture_capacity_snapshot)
create or replace function api.admin_jobs()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
begin
  return jsonb_build_object(
    'jobs', (select coalesce(jsonb_agg(jsonb_build_object(
                       'name', j.name, 'kind', j.kind, 'description', j.description,
                       'schedule', j.schedule, 'scheduled_by', j.scheduled_by,
                       'enabled', j.enabled, 'last_status', j.last_status,
                       'last_run_at', j.last_run_at, 'last_error', j.last_error,
                       'next_run_at', j.next_run_at, 'queued', j.queued, 'running', j.running,
                       'dead', j.dead) order by j.name), '[]'::jsonb)
               from api.jobs j),
    'runs', (select coalesce(jsonb_agg(jsonb_build_object(
                       'id', r.id, 'job', r.job, 'status', r.status, 'via', r.via,
                       'attempts', r.attempts, 'enqueued_at', r.enqueued_at,
                       'started_at', r.started_at, 'finished_at', r.finished_at,
                       'duration_seconds', r.duration_seconds, 'error', r.error,
                       'requested_by', r.requested_by) order by r.id desc), '[]'::jsonb)
               from (select * from api.job_runs x order by x.id desc limit 30) r),
    'plan_changes', (select coalesce(jsonb_agg(to_jsonb(d) || jsonb_build_object('tenant_name', t.name)
                                               order by d.scheduled_at), '[]'::jsonb)
                       from api.due_plan_changes(200) d
                       join core.tenants t on t.tenant_id = d.tenant_id),
    'addon_removals', (select coalesce(jsonb_agg(to_jsonb(d) || jsonb_build_object('tenant_name', t.name)
                                                 order by t.name, d.addon), '[]'::jsonb)
                         from api.due_addon_removals(200) d
                         join core.tenants t on t.tenant_id = d.tenant_id),
    'stripe_retries', (select coalesce(jsonb_agg(jsonb_build_object(
                                 'event_id', e.event_id, 'type', e.type, 'status', e.status,
                                 'attempts', e.attempts, 'next_attempt_at', e.next_attempt_at,
                                 'last_error', e.last_error)
                               order by e.next_attempt_at nulls first, e.event_id), '[]'::jsonb)
                         from (select * from core.stripe_events x
                                where x.status in ('pending', 'failed', 'unknown_customer')
                                order by x.next_attempt_at nulls first, x.event_id
                                limit 200) e),
    'dunning', (select count(*) from core.subscriptions s, core.billing_config c
                 where s.status = 'past_due' and not s.restricted
                   and s.past_due_since + c.dunning_grace <= v_now),
    'trials', (select count(*) from core.subscriptions s
                where s.status = 'trialing' and s.trial_end + interval '1 hour' <= v_now
                  and not s.has_payment_method),
    'snapshot', (select max(s.snapshot_date) from core.capacity_snapshots s),
    'now', v_now
  );
end
$$;

comment on function api.admin_jobs() is
  'The admin jobs page as one JSON document: jobs and their newest runs, due plan changes and add-on removals, events to retry, dunning and trial steps due, the latest snapshot.';
grant execute on function api.admin_jobs() to ratecard_admin;
