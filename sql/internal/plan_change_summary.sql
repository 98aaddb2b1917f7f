-- internal.plan_change_summary(): what a move from one plan to another means, for the
-- plan_changed notification: the direction (upgrade when the new plan costs at least as
-- much a month per seat, else downgrade) and each feature whose limit differs, with both
-- limits (null: unlimited, or for a switch simply on; `enabled` false: not on that plan;
-- `per_seat`: the new limit is per seat).
create or replace function internal.plan_change_summary(p_from text, p_to text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'direction',
    case when (select t.price_cents::numeric / case t.billing_interval when 'year' then 12 else 1 end
                 from core.plans t where t.code = p_to)
              >= coalesce((select f.price_cents::numeric
                                  / case f.billing_interval when 'year' then 12 else 1 end
                             from core.plans f where f.code = p_from), 0)
         then 'upgrade' else 'downgrade' end,
    'changes',
    coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'feature', x.code, 'feature_name', x.name, 'kind', x.kind,
                       'unit', x.unit,
                       'from_enabled', coalesce(o.enabled, false), 'from_limit', o.limit_value,
                       'to_enabled', coalesce(n.enabled, false), 'to_limit', n.limit_value,
                       'per_seat', coalesce(n.per_seat, false))
                     order by x.code)
                from core.features x
                left join core.plan_limits o on o.plan = p_from and o.feature = x.code
                left join core.plan_limits n on n.plan = p_to and n.feature = x.code
               where (coalesce(o.enabled, false), o.limit_value)
                     is distinct from (coalesce(n.enabled, false), n.limit_value)),
             '[]'::jsonb))
$$;

comment on function internal.plan_change_summary(text, text) is
  'Upgrade or downgrade, and the limits that differ between two plans (plan_changed).';
revoke execute on function internal.plan_change_summary(text, text) from public;
