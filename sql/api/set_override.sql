-- api.set_override(): a per-tenant limit that replaces the plan's (and add-ons') until it
-- expires. p_limit null = unlimited; p_enabled false switches the feature off for the
-- tenant. An expiry in the past is RC005.
create or replace function api.set_override(
  p_tenant_id uuid,
  p_feature text,
  p_limit bigint,
  p_enabled boolean default true,
  p_expires_at timestamptz default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.entitlements e
                  where e.tenant_id = p_tenant_id and e.feature = p_feature) then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
  if p_limit < 0 then
    raise exception 'limit must be zero or more (null for unlimited)' using errcode = 'RC004';
  end if;
  if p_expires_at <= internal.now() then
    raise exception 'override expiry % is in the past', p_expires_at using errcode = 'RC005';
  end if;
  insert into core.overrides (tenant_id, feature, limit_value, enabled, expires_at, created_at)
  select p_tenant_id, p_feature,
         case when f.kind = 'switch' then null else p_limit end,  -- a switch has no limit
         coalesce(p_enabled, true), p_expires_at, internal.now()
    from core.features f where f.code = p_feature
  on conflict (tenant_id, feature) do update
     set limit_value = excluded.limit_value, enabled = excluded.enabled,
         expires_at = excluded.expires_at, created_at = excluded.created_at;
end
$$;

comment on function api.set_override(uuid, text, bigint, boolean, timestamptz) is
  'Per-tenant limit for a feature replacing plan and add-ons, optionally until p_expires_at.';
grant execute on function api.set_override(uuid, text, bigint, boolean, timestamptz)
  to ratecard_admin;
