-- api.tenant_addons: add-ons held, as the caller may see them (a tenant: its own).
create or replace view api.tenant_addons
with (security_invoker = true)
as
  select ta.tenant_id, ta.addon, a.name, ta.quantity, ta.status, ta.ends_at,
         ta.stripe_item_id is not null as billed_by_stripe, ta.created_at
    from core.tenant_addons ta
    join core.addons a on a.code = ta.addon
   order by ta.tenant_id, ta.addon;

comment on view api.tenant_addons is 'Add-ons held by tenants visible to the caller.';
grant select on api.tenant_addons to ratecard_tenant, ratecard_admin;
