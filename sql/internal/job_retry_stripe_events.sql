-- internal.job_retry_stripe_events(): the retry_stripe_events job (every minute): the
-- Stripe retry sweep, api.retry_stripe_events, {"limit": n} events at most (default 100).
-- Result: {"applied": n}.
create or replace function internal.job_retry_stripe_events(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('applied',
    api.retry_stripe_events(coalesce((p_args->>'limit')::integer, 100)));
end
$$;

comment on function internal.job_retry_stripe_events(jsonb) is
  'Job retry_stripe_events: apply stored Stripe events that failed or waited.';
