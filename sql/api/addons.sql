-- api.addons: add-ons with what one unit grants.
create or replace view api.addons
with (security_invoker = true)
as
  select a.code, a.name, a.price_cents, a.currency, a.billing_interval, a.active,
         coalesce(jsonb_object_agg(g.feature, g.quantity) filter (where g.feature is not null),
                  '{}') as grants
    from core.addons a
    left join core.addon_grants g on g.addon = a.code
   group by a.code
   order by a.code;

comment on view api.addons is 'Add-on catalog; grants maps feature code to quantity per unit.';
grant select on api.addons to ratecard_tenant, ratecard_service, ratecard_admin;
