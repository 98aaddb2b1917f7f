-- api.storage_history: storage per tenant, UTC day and category, newest day first:
-- objects and bytes at the end of the day (today: now) and the day's peak of bytes. Kept
-- by the same triggers as api.storage_categories; days with no change have no row (the
-- level is that of the day before). Kept for history_days (api.storage_settings).
create or replace view api.storage_history
with (security_invoker = true)
as
  select h.tenant_id, h.day, h.category, h.objects, h.bytes, h.peak_bytes
    from core.storage_history h
   order by h.tenant_id, h.day desc, h.category;

comment on view api.storage_history is
  'Per tenant, UTC day and category: objects, bytes (end of day) and peak bytes; days with changes only.';
grant select on api.storage_history to ratecard_tenant, ratecard_admin;
