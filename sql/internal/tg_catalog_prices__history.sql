-- When a plan's or an add-on's catalogue price, currency, interval or per-seat flag changes,
-- the subscriptions that bill at catalogue prices (assigned outside Stripe, or without a
-- Stripe unit amount) bill differently from now on: record their revenue facts again.
-- internal.record_revenue writes nothing for a tenant whose facts did not change.
create or replace function internal.tg_catalog_prices__history()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_table_name = 'plans' then
    perform internal.record_revenue(s.tenant_id)
       from core.subscriptions s
      where s.plan in (select n.code from new_rows n join old_rows o on o.code = n.code
                        where (n.price_cents, n.currency, n.billing_interval, n.per_seat)
                              is distinct from
                              (o.price_cents, o.currency, o.billing_interval, o.per_seat));
  else
    perform internal.record_revenue(ta.tenant_id)
       from core.tenant_addons ta
      where ta.addon in (select n.code from new_rows n join old_rows o on o.code = n.code
                          where (n.price_cents, n.currency, n.billing_interval)
                                is distinct from (o.price_cents, o.currency, o.billing_interval));
  end if;
  return null;
end
$$;

comment on function internal.tg_catalog_prices__history() is
  'Trigger: record revenue facts of subscriptions billed at a catalogue price that changed.';

create or replace trigger plans__revenue_history
  after update on core.plans
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.tg_catalog_prices__history();
create or replace trigger addons__revenue_history
  after update on core.addons
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.tg_catalog_prices__history();
