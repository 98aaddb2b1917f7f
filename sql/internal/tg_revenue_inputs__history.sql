-- Record a tenant's revenue facts (internal.record_revenue) when its subscription or its
-- add-ons change. The triggers are deferred to commit: a Stripe event that rewrites the
-- subscription and its add-ons in one transaction leaves one history row with the final
-- facts, and a change that touches no revenue fact (a period renewal, a dunning flag)
-- leaves none. Security definer: a deferred trigger fires at commit, outside the security
-- definer function that made the change, as the caller's role.
create or replace function internal.tg_revenue_inputs__history()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform internal.record_revenue(coalesce(new.tenant_id, old.tenant_id));
  return null;
end
$$;

comment on function internal.tg_revenue_inputs__history() is
  'Trigger: record subscription history (revenue facts, MRR before and after) at commit.';

-- Constraint triggers have no OR REPLACE.
drop trigger if exists subscriptions__history on core.subscriptions;
create constraint trigger subscriptions__history
  after insert or update or delete on core.subscriptions
  deferrable initially deferred
  for each row execute function internal.tg_revenue_inputs__history();
drop trigger if exists tenant_addons__history on core.tenant_addons;
create constraint trigger tenant_addons__history
  after insert or update or delete on core.tenant_addons
  deferrable initially deferred
  for each row execute function internal.tg_revenue_inputs__history();
