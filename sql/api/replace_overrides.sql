-- api.replace_overrides(): replace a tenant's whole set of overrides in one transaction
-- (the admin tenant page's overrides editor, PUT /v1/admin/tenants/{id}/overrides).
-- p_overrides is a JSON array of objects {feature, limit, enabled, expires_at, reason};
-- only feature is required (limit null or absent = unlimited, enabled true, no expiry).
-- A feature missing from the set loses its override: the plan's limit applies again.
-- The rules are api.set_override's: a limit is zero or more (a switch has none), an expiry
-- is in the future; every entry is checked before anything is written. The tenant's
-- entitlements follow in the same transaction. Returns the new set (api.tenant_overrides).
-- Errors: RC001 unknown tenant, RC002 unknown feature, RC004 negative limit, RC005 not an
-- array, an entry without feature, a feature twice, an expiry in the past, a reason over
-- 500 characters.
create or replace function api.replace_overrides(p_tenant_id uuid, p_overrides jsonb)
returns table (feature text, category text, kind text, "limit" bigint, enabled boolean,
               expires_at timestamptz, reason text, live boolean, created_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  e record;
begin
  perform 1 from core.tenants t where t.tenant_id = p_tenant_id for update;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if p_overrides is null or jsonb_typeof(p_overrides) <> 'array' then
    raise exception 'overrides must be a JSON array' using errcode = 'RC005';
  end if;
  if exists (select from jsonb_array_elements(p_overrides) x(v)
              where jsonb_typeof(x.v) <> 'object' or x.v->>'feature' is null) then
    raise exception 'every override needs a feature' using errcode = 'RC005';
  end if;
  for e in
    select x.feature, x."limit", x.expires_at, x.reason,
           count(*) over (partition by x.feature) as times,
           exists (select from core.features f where f.code = x.feature) as known
      from jsonb_to_recordset(p_overrides)
           as x(feature text, "limit" bigint, expires_at timestamptz, reason text)
  loop
    if not e.known then
      raise exception 'unknown feature %', e.feature
        using errcode = 'RC002', hint = 'define it with api.define_feature; see api.features';
    end if;
    if e.times > 1 then
      raise exception 'feature % appears twice', e.feature using errcode = 'RC005';
    end if;
    if e."limit" < 0 then
      raise exception 'limit must be zero or more (null for unlimited)' using errcode = 'RC004';
    end if;
    if e.expires_at <= v_now then
      raise exception 'override expiry % is in the past', e.expires_at using errcode = 'RC005';
    end if;
    if length(e.reason) > 500 then
      raise exception 'a reason is at most 500 characters' using errcode = 'RC005';
    end if;
  end loop;
  delete from core.overrides o
   where o.tenant_id = p_tenant_id
     and o.feature not in (select x.feature from jsonb_to_recordset(p_overrides) x(feature text));
  insert into core.overrides as o (tenant_id, feature, limit_value, enabled, expires_at, reason,
                                   created_at)
  select p_tenant_id, x.feature,
         case when f.kind = 'switch' then null else x."limit" end,   -- a switch has no limit
         coalesce(x.enabled, true), x.expires_at, nullif(x.reason, ''), v_now
    from jsonb_to_recordset(p_overrides)
         as x(feature text, "limit" bigint, enabled boolean, expires_at timestamptz, reason text)
    join core.features f on f.code = x.feature
  on conflict on constraint overrides_pkey do update
     set limit_value = excluded.limit_value, enabled = excluded.enabled,
         expires_at = excluded.expires_at, reason = excluded.reason,
         created_at = excluded.created_at
   where (o.limit_value, o.enabled, o.expires_at, o.reason)
         is distinct from (excluded.limit_value, excluded.enabled, excluded.expires_at,
                           excluded.reason);
  return query select * from api.tenant_overrides(p_tenant_id);
end
$$;

comment on function api.replace_overrides(uuid, jsonb) is
  'Replace a tenant''s whole set of overrides (JSON array of {feature, limit, enabled, expires_at, reason}) in one transaction.';
grant execute on function api.replace_overrides(uuid, jsonb) to ratecard_admin;
