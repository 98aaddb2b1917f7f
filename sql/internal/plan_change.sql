-- internal.plan_change(): what moving a subscription from one plan and interval to another
-- is, by the catalogue (internal.subscription_mrr at the same seats):
--   same       the same plan at the same interval
--   upgrade    a higher MRR, or an equal one moving from monthly to yearly billing (a
--              bigger commitment, taken at once)
--   downgrade  anything else (lower MRR, equal MRR, yearly to monthly)
-- api.request_plan_change acts on it; api.billing_page labels its plan cards with it, so
-- the page never promises what the change will not do.
create or replace function internal.plan_change(
  p_from_plan text, p_from_interval text, p_seats integer, p_to_plan text, p_to_interval text
)
returns text
language sql
stable
as $$
  select case
    when p_from_plan = p_to_plan and p_from_interval = p_to_interval then 'same'
    when n.mrr > o.mrr or (n.mrr = o.mrr and p_from_interval = 'month' and p_to_interval = 'year')
      then 'upgrade'
    else 'downgrade'
  end
  from (select internal.subscription_mrr(p_from_plan, p_seats, p_from_interval, 'active') as mrr) o,
       (select internal.subscription_mrr(p_to_plan, p_seats, p_to_interval, 'active') as mrr) n
$$;

comment on function internal.plan_change(text, text, integer, text, text) is
  'same, upgrade or downgrade: moving between plans and intervals at the same seats, by catalogue MRR.';
grant execute on function internal.plan_change(text, text, integer, text, text)
  to ratecard_service, ratecard_admin;
