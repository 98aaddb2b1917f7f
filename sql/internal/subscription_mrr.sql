-- internal.subscription_mrr(): monthly recurring revenue of one subscription, in cents.
-- Counts only paying states (active, past_due); a trial or a cancelled subscription is 0.
-- With the unit amount Stripe bills for the plan item, MRR is that amount x quantity
-- (seats), divided by 12 for a yearly interval. Without it (a plan assigned by hand, or a
-- comparison of catalogue prices), the plan's own price_cents, which is per the plan's
-- billing_interval: per-seat plans multiply by seats, yearly plans divide by 12 (rounded
-- down).
create or replace function internal.subscription_mrr(
  p_plan text, p_seats integer, p_interval text, p_status text,
  p_unit_amount_cents bigint default null
)
returns bigint
language sql
stable
as $$
  select case
    when coalesce(p_status, '') not in ('active', 'past_due') then 0::bigint
    when p_unit_amount_cents is not null then
      p_unit_amount_cents * greatest(coalesce(p_seats, 1), 1)
        / case when p_interval = 'year' then 12 else 1 end
    else coalesce((
      select p.price_cents * case when p.per_seat then greatest(coalesce(p_seats, 1), 1) else 1 end
             / case when p.billing_interval = 'year' then 12 else 1 end
        from core.plans p
       where p.code = p_plan), 0)::bigint
  end
$$;

comment on function internal.subscription_mrr(text, integer, text, text, bigint) is
  'MRR in cents: Stripe unit amount x seats (yearly / 12), else the catalogue price; 0 unless paying.';
grant execute on function internal.subscription_mrr(text, integer, text, text, bigint)
  to ratecard_tenant, ratecard_admin;
