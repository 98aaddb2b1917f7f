-- api.plans: the plan catalog. Tenants see public active plans; services and admins all.
create or replace view api.plans
with (security_invoker = true)
as
  select p.code, p.name, p.price_cents, p.currency, p.billing_interval, p.per_seat,
         p.is_public, p.active, p.is_default, p.trial_days, p.sort_order,
         p.stripe_price_monthly_id, p.stripe_price_annual_id, p.annual_price_cents
    from core.plans p
   order by p.sort_order, p.price_cents, p.code;

comment on view api.plans is 'Plan catalog with prices in cents.';
grant select on api.plans to ratecard_tenant, ratecard_service, ratecard_admin;
