-- api.admin_subscriptions(): the admin subscriptions page (GET /admin/subscriptions) as one
-- JSON document: every tenant with its subscription (status `none` on the default plan
-- without one), filtered by status, plan and a search over name, e-mail and tenant id,
-- newest tenants first, a page at a time; with the counts per status and per plan over
-- the whole list for the filter controls, and the total matching.
-- Errors: RC005 an unknown status, a limit outside 1 to 500, a negative offset.
create or replace function api.admin_subscriptions(
  p_status text default null, p_plan text default null, p_search text default null,
  p_limit integer default 50, p_offset integer default 0
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_search text := nullif(btrim(p_search), '');
begin
  if p_status is not null and p_status not in
       ('none', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete') then
    raise exception 'unknown subscription status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005',
            hint = 'one of none, trialing, active, past_due, unpaid, canceled, incomplete';
  end if;
  if p_limit is null or p_limit not between 1 and 500 then
    raise exception 'limit must be 1 to 500' using errcode = 'RC005';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'offset must be 0 or more' using errcode = 'RC005';
  end if;
  return (
    with base as (
      select t.tenant_id, t.name, t.email, t.status as tenant_status, t.created_at,
             coalesce(s.plan, d.code) as plan, coalesce(s.plan_name, d.name) as plan_name,
             coalesce(s.status, 'none') as status, s.seats, s.billing_interval, s.mrr_cents,
             coalesce(s.currency, d.currency) as currency, s.current_period_end,
             s.cancel_at_period_end, s.trial_end, s.scheduled_plan
        from core.tenants t
        left join api.subscription s on s.tenant_id = t.tenant_id
        left join core.plans d on d.is_default and s.tenant_id is null
    ),
    searched as (
      select * from base b
       where v_search is null
          or b.name ilike '%' || v_search || '%'
          or b.email ilike '%' || v_search || '%'
          or b.tenant_id::text like lower(v_search) || '%'
    ),
    matching as (
      select * from searched x
       where (p_status is null or x.status = p_status)
         and (p_plan is null or x.plan = p_plan)
    )
    select jsonb_build_object(
      'filters', jsonb_build_object('status', p_status, 'plan', p_plan, 'search', v_search),
      'limit', p_limit, 'offset', p_offset,
      'total', (select count(*) from matching),
      'statuses', (select coalesce(jsonb_agg(jsonb_build_object('status', z.status, 'count', z.n)
                                             order by z.status), '[]'::jsonb)
                     from (select x.status, count(*) as n from searched x
                            where p_plan is null or x.plan = p_plan group by x.status) z),
      'plans', (select coalesce(jsonb_agg(jsonb_build_object('plan', p.code, 'name', p.name,
                                                            'count', coalesce(z.n, 0))
                                          order by p.sort_order, p.price_cents, p.code), '[]'::jsonb)
                  from core.plans p
                  left join (select x.plan, count(*) as n from searched x
                              where p_status is null or x.status = p_status
                              group by x.plan) z on z.plan = p.code),
      'rows', (select coalesce(jsonb_agg(to_jsonb(r) order by r.created_at desc, r.tenant_id),
                               '[]'::jsonb)
                 from (select * from matching m order by m.created_at desc, m.tenant_id
                        limit p_limit offset p_offset) r))
  );
end
$$;

comment on function api.admin_subscriptions(text, text, text, integer, integer) is
  'The admin subscriptions list as one JSON document: tenants with their subscription, filtered by status, plan and search, with counts.';
grant execute on function api.admin_subscriptions(text, text, text, integer, integer)
  to ratecard_admin;
