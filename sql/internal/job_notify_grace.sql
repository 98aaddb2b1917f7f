-- internal.job_notify_grace(): the notify_grace job. A soft limit lets usage pass the limit
-- (up to the buffer) for a grace period; after it, further use is refused until usage falls
-- back under the limit or the period resets. The 100% threshold notice says when grace
-- ends; this job tells the tenant again shortly before (`grace_ending`, p_args
-- {"warn_before": "24 hours"} by default) and once it has ended (`grace_ended`), each once
-- per meter and time over the limit (dedupe: feature, period, over_since). Only meters of a
-- period still in force count, and only while usage is still past the limit.
-- Result: {"ending": n, "ended": m}.
create or replace function internal.job_notify_grace(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_warn interval := coalesce((p_args->>'warn_before')::interval, interval '24 hours');
  v_ending integer := 0;
  v_ended integer := 0;
  r record;
begin
  if v_warn < interval '0' then
    raise exception 'warn_before must not be negative' using errcode = 'RC005';
  end if;
  for r in
    select m.tenant_id, m.feature, e.kind, m.period_start, m.used, m.over_since,
           m.over_since + e.grace as grace_until, e.plan,
           internal.period_end(e.reset, m.period_start, e.period_interval,
                               e.period_anchor) as resets_at,
           x.lim, internal.soft_cap(x.lim, e.buffer_pct) as allowed_up_to
      from core.meters m
      join core.entitlements e on e.tenant_id = m.tenant_id and e.feature = m.feature
      cross join lateral (
        select case when internal.override_live(e.override_enabled, e.override_expires_at, v_now)
                    then e.override_limit else e.base_limit end as lim) x
     where m.over_since is not null
       and m.over_since + e.grace - v_warn <= v_now
       and e.overage = 'soft' and e.grace is not null and x.lim is not null
       and m.used > x.lim
       and (e.kind = 'gauge' or internal.period_end(e.reset, m.period_start, e.period_interval,
                                                     e.period_anchor) > v_now)
  loop
    if internal.notify(r.tenant_id,
         case when r.grace_until <= v_now then 'grace_ended' else 'grace_ending' end,
         pg_catalog.jsonb_build_object(
           'feature', r.feature, 'used', r.used, 'limit', r.lim,
           'allowed_up_to', r.allowed_up_to, 'grace_until', r.grace_until,
           'period_start', case when r.kind = 'metered' then r.period_start end,
           'resets_at', case when r.kind = 'metered' then r.resets_at end,
           'plan', r.plan),
         r.feature || ':' || r.period_start || ':' || r.over_since) then
      if r.grace_until <= v_now then
        v_ended := v_ended + 1;
      else
        v_ending := v_ending + 1;
      end if;
    end if;
  end loop;
  return pg_catalog.jsonb_build_object('ending', v_ending, 'ended', v_ended);
end
$$;

comment on function internal.job_notify_grace(jsonb) is
  'Job notify_grace: grace_ending before a soft limit''s grace ends, grace_ended after.';
