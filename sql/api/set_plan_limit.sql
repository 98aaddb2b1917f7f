-- api.set_plan_limit(): a plan's limit for one feature.
--   p_limit     null = unlimited (ignored for switches)
--   p_enabled   false turns the feature off on this plan
--   p_overage   block | soft | bill (see internal.usage_allows)
--   p_buffer_pct soft only: how far past the limit use may go (5 = 5%)
--   p_grace     soft only: how long usage may stay past the limit (null = no deadline)
--   p_per_seat  the limit is per purchased seat (multiplied by the subscription's seats)
-- Entitlements of every tenant on the plan follow in the same transaction (trigger).
create or replace function api.set_plan_limit(
  p_plan text,
  p_feature text,
  p_limit bigint,
  p_enabled boolean default true,
  p_overage text default 'block',
  p_buffer_pct numeric default 0,
  p_grace interval default null,
  p_per_seat boolean default false
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.plans p where p.code = p_plan) then
    raise exception 'unknown plan %', coalesce(p_plan, 'null')
      using errcode = 'RC003', hint = 'define it with api.define_plan';
  end if;
  if not exists (select from core.features f where f.code = p_feature) then
    raise exception 'unknown feature %', coalesce(p_feature, 'null')
      using errcode = 'RC002', hint = 'define it with api.define_feature';
  end if;
  perform internal.check_plan_limit(p_limit, p_overage, p_buffer_pct, p_grace);
  insert into core.plan_limits (plan, feature, limit_value, enabled, overage, buffer_pct,
                                grace, per_seat)
  values (p_plan, p_feature, p_limit, coalesce(p_enabled, true), p_overage, p_buffer_pct,
          p_grace, coalesce(p_per_seat, false))
  on conflict (plan, feature) do update
     set limit_value = excluded.limit_value, enabled = excluded.enabled,
         overage = excluded.overage, buffer_pct = excluded.buffer_pct,
         grace = excluded.grace, per_seat = excluded.per_seat;
end
$$;

comment on function api.set_plan_limit(text, text, bigint, boolean, text, numeric, interval, boolean) is
  'Set a plan''s limit for a feature: limit (null = unlimited), enabled, overage block|soft|bill, buffer percent, grace, per seat.';
grant execute on function api.set_plan_limit(text, text, bigint, boolean, text, numeric, interval, boolean)
  to ratecard_admin;
