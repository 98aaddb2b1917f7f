-- api.storage_settings: the storage settings in force (admins): the object key layout and
-- the listing prefix it gives, category segment names, how long a presigned upload is
-- valid (upload_seconds) and its bytes stay reserved (pending_seconds), how long removed
-- keys (tombstones) and daily history are kept. Changed with api.set_storage_settings.
create or replace view api.storage_settings
with (security_invoker = true)
as
  select s.key_layout, c.prefix, s.category_names, s.upload_seconds, s.pending_seconds,
         s.tombstone_days, s.history_days, s.updated_at
    from core.storage_settings s
   cross join lateral internal.compile_key_layout(s.key_layout) c;

comment on view api.storage_settings is
  'Storage settings: key layout, category segment names, upload and pending lifetimes, retention.';
grant select on api.storage_settings to ratecard_admin;
