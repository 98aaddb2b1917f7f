-- Append a core.subscription_history row whenever a subscription's plan, status, seats,
-- interval or billed unit amount changes (including creation and deletion), with MRR
-- before and after, so the revenue views can replay MRR movements without trusting
-- mutable rows.
create or replace function internal.tg_subscriptions__history()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and (old.plan, old.status, old.seats, old.billing_interval, old.unit_amount_cents)
         is not distinct from
         (new.plan, new.status, new.seats, new.billing_interval, new.unit_amount_cents) then
    return null;
  end if;
  insert into core.subscription_history
    (tenant_id, changed_at, plan_before, plan_after, status_before, status_after,
     seats_before, seats_after, interval_before, interval_after,
     mrr_before_cents, mrr_after_cents, currency)
  select coalesce(new.tenant_id, old.tenant_id), internal.now(),
         old.plan, new.plan, old.status, new.status, old.seats, new.seats,
         old.billing_interval, new.billing_interval,
         case when old.plan is null then 0
              else internal.subscription_mrr(old.plan, old.seats, old.billing_interval,
                                             old.status, old.unit_amount_cents) end,
         case when new.plan is null then 0
              else internal.subscription_mrr(new.plan, new.seats, new.billing_interval,
                                             new.status, new.unit_amount_cents) end,
         (select p.currency from core.plans p where p.code = coalesce(new.plan, old.plan));
  return null;
end
$$;

comment on function internal.tg_subscriptions__history() is
  'Trigger: record subscription changes with MRR before and after.';

create or replace trigger subscriptions__history
  after insert or update or delete on core.subscriptions
  for each row execute function internal.tg_subscriptions__history();
