-- internal.usage_rows(): a tenant's usage as the billing page and the admin tenant page show
-- it, one JSON object per feature by category and name: api.usage_summary's figures and
-- flags (is_approaching_limit is the upgrade banner's 80% rule), the feature's name, unit
-- and category, the bar's colour level (internal.meter_level: amber from 70%, red from
-- 90%), the bar's length (the percentage up to 100), when a metered feature resets, and
-- for a soft limit passed, when its grace ends and how many days are left (rounded up);
-- for a billed feature (overage policy bill), api.usage_summary's `billed` estimate
-- (included, overage units, estimated overage cents: what Stripe will charge) and its
-- estimated_overage_cents as overage_cents, else null.
-- Security invoker: called by security definer page functions for one tenant.
create or replace function internal.usage_rows(p_tenant_id uuid)
returns jsonb
language sql
stable
as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'feature', u.feature, 'name', f.name, 'category', f.category, 'kind', u.kind,
           'unit', f.unit, 'reset', f.reset, 'enabled', u.enabled, 'used', u.current,
           'limit', u."limit", 'percent', u.percentage,
           'bar_percent', least(greatest(coalesce(u.percentage, 0), 0), 100),
           'state', u.state,
           'level', internal.meter_level(u.kind, u.enabled, u."limit", u.percentage::numeric,
                                         u.state),
           'is_unlimited', u.is_unlimited, 'is_at_limit', u.is_at_limit,
           'is_approaching_limit', u.is_approaching_limit,
           'resets_at', case when u.kind = 'metered' then u.period_end end,
           'grace_until', u.grace_until,
           'grace_days_left', case when u.grace_until is not null
             then greatest(ceil(extract(epoch from u.grace_until - n.now) / 86400), 0)::integer
           end,
           'source', u.source,
           'billed', u.billed,
           'overage_cents', (u.billed->>'estimated_overage_cents')::bigint)
         order by f.category, f.name, u.feature), '[]'::jsonb)
    from api.usage_summary u
    join core.features f on f.code = u.feature
   cross join (select internal.now() as now) n
   where u.tenant_id = p_tenant_id
$$;

comment on function internal.usage_rows(uuid) is
  'A tenant''s usage rows for the pages (figures, flags, colour level, bar, resets, grace, billed estimate).';
