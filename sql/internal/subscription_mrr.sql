-- internal.subscription_mrr(): monthly recurring revenue of one subscription, in cents.
-- Counts only paying states (active, past_due); a trial or a cancelled subscription is 0.
-- Per-seat plans multiply by seats; annual prices are divided by 12 (rounded down).
create or replace function internal.subscription_mrr(
  p_plan text, p_seats integer, p_interval text, p_status text
)
returns bigint
language sql
stable
as $$
  select coalesce((
    select p.price_cents * case when p.per_seat then greatest(p_seats, 1) else 1 end
           / case when coalesce(p_interval, p.billing_interval) = 'year' then 12 else 1 end
      from core.plans p
     where p.code = p_plan and p_status in ('active', 'past_due')
  ), 0)::bigint
$$;

comment on function internal.subscription_mrr(text, integer, text, text) is
  'MRR in cents of a subscription: price x seats (per-seat plans), annual / 12; 0 unless paying.';
grant execute on function internal.subscription_mrr(text, integer, text, text)
  to ratecard_tenant, ratecard_admin;
