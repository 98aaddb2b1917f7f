-- api.set_storage_settings(): change the storage settings (admins); a null argument
-- leaves that setting as it is. The key layout is checked (internal.compile_key_layout:
-- segments, {tenant_id} and {category} once, {rest} last) and so are the category names
-- (a JSON object from path segment to one of the five categories, every category named at
-- least once, so an upload of any category can be placed). A new layout applies to the
-- next call everywhere: keys tracked under the old one that it no longer attributes are
-- left as they are by the reconciliation and count as unattributed in the bucket. RC005.
create or replace function api.set_storage_settings(
  p_key_layout text default null,
  p_category_names jsonb default null,
  p_upload_seconds integer default null,
  p_pending_seconds integer default null,
  p_tombstone_days integer default null,
  p_history_days integer default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_key_layout is not null then
    perform internal.compile_key_layout(p_key_layout);
  end if;
  if p_category_names is not null and (
       jsonb_typeof(p_category_names) <> 'object'
       or exists (select from jsonb_each(p_category_names) n
                   where jsonb_typeof(n.value) <> 'string'
                      or n.value #>> '{}' not in ('upload', 'attachment', 'export',
                                                  'profile_image', 'backup')
                      or n.key ~ '[/{}]' or internal.object_key_problem(n.key) is not null)
       or (select count(distinct n.value) from jsonb_each_text(p_category_names) n) <> 5) then
    raise exception 'category names must map path segments to the five categories'
      using errcode = 'RC005',
            hint = 'e.g. {"docs": "upload", "chat": "attachment", "exports": "export", "avatars": "profile_image", "backups": "backup"}';
  end if;
  update core.storage_settings s
     set key_layout = coalesce(p_key_layout, s.key_layout),
         category_names = coalesce(p_category_names, s.category_names),
         upload_seconds = coalesce(p_upload_seconds, s.upload_seconds),
         pending_seconds = coalesce(p_pending_seconds, s.pending_seconds),
         tombstone_days = coalesce(p_tombstone_days, s.tombstone_days),
         history_days = coalesce(p_history_days, s.history_days),
         updated_at = internal.now();
exception
  when check_violation then
    raise exception 'storage settings out of range'
      using errcode = 'RC005',
            hint = 'upload_seconds 60 to 604800, pending_seconds 60 to 2592000 and at least upload_seconds, tombstone_days 1 to 365, history_days 1 to 3660';
end
$$;

comment on function api.set_storage_settings(text, jsonb, integer, integer, integer, integer) is
  'Change the storage settings (key layout, category names, lifetimes, retention); nulls keep a setting.';
grant execute on function api.set_storage_settings(text, jsonb, integer, integer, integer, integer)
  to ratecard_admin;
