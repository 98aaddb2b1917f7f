-- internal.job_expire_trials(): the expire_trials job (every 5 minutes): api.expire_trials
-- with the grace given as {"grace": "1 hour"} (default 1 hour). Result: {"expired": n}.
create or replace function internal.job_expire_trials(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('expired',
    api.expire_trials(coalesce((p_args->>'grace')::interval, interval '1 hour')));
end
$$;

comment on function internal.job_expire_trials(jsonb) is
  'Job expire_trials: lapse trials that ended without a payment method.';
