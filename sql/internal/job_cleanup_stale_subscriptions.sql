-- internal.job_cleanup_stale_subscriptions(): the cleanup_stale_subscriptions job (weekly).
-- A subscription cancelled more than {"after": "90 days"} ago is marked expired
-- (expired_at) and what it had left scheduled is cleared (a plan change, a cancellation at
-- the period end), so nothing acts on it any more; its status stays what Stripe said
-- (canceled) and the tenant stays on the default plan. sync_stripe_status no longer reads
-- it from Stripe. Result: {"expired": n}.
create or replace function internal.job_cleanup_stale_subscriptions(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_before timestamptz := internal.now()
                          - coalesce((p_args->>'after')::interval, interval '90 days');
  v_count integer;
begin
  update core.subscriptions s
     set expired_at = internal.now(), scheduled_plan = null, scheduled_interval = null,
         scheduled_at = null, cancel_at_period_end = false
   where s.status = 'canceled' and s.expired_at is null
     and coalesce(s.canceled_at, s.updated_at) < v_before;
  get diagnostics v_count = row_count;
  return pg_catalog.jsonb_build_object('expired', v_count);
end
$$;

comment on function internal.job_cleanup_stale_subscriptions(jsonb) is
  'Job cleanup_stale_subscriptions: mark long-cancelled subscriptions expired.';
