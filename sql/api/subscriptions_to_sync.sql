-- api.subscriptions_to_sync(): the Stripe subscriptions sync_stripe_status reads again from
-- Stripe: every subscription Stripe has not ended (status other than canceled) and not
-- expired, p_limit at a time in tenant order after p_after (keyset pages).
create or replace function api.subscriptions_to_sync(p_limit integer default 100,
                                                     p_after uuid default null)
returns table (tenant_id uuid, stripe_subscription_id text, status text)
language sql
stable
security definer
set search_path = ''
as $$
  select s.tenant_id, s.stripe_subscription_id, s.status
    from core.subscriptions s
   where s.stripe_subscription_id is not null and s.status <> 'canceled'
     and s.expired_at is null
     and (p_after is null or s.tenant_id > p_after)
   order by s.tenant_id
   limit greatest(coalesce(p_limit, 100), 0)
$$;

comment on function api.subscriptions_to_sync(integer, uuid) is
  'Stripe subscriptions to read again from Stripe (not ended), a page at a time.';
grant execute on function api.subscriptions_to_sync(integer, uuid) to ratecard_service;
