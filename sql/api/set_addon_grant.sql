-- api.set_addon_grant(): how much of a feature one unit of an add-on adds to a tenant's
-- limit (for a switch, any grant turns it on). 0 removes the grant.
create or replace function api.set_addon_grant(p_addon text, p_feature text, p_quantity bigint)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.addons a where a.code = p_addon) then
    raise exception 'unknown add-on %', coalesce(p_addon, 'null') using errcode = 'RC008';
  end if;
  if not exists (select from core.features f where f.code = p_feature) then
    raise exception 'unknown feature %', coalesce(p_feature, 'null') using errcode = 'RC002';
  end if;
  if p_quantity is null or p_quantity < 0 then
    raise exception 'quantity must be zero or more' using errcode = 'RC004';
  end if;
  if p_quantity = 0 then
    delete from core.addon_grants g where g.addon = p_addon and g.feature = p_feature;
  else
    insert into core.addon_grants (addon, feature, quantity)
    values (p_addon, p_feature, p_quantity)
    on conflict (addon, feature) do update set quantity = excluded.quantity;
  end if;
end
$$;

comment on function api.set_addon_grant(text, text, bigint) is
  'Set how much of a feature one unit of an add-on grants (0 removes the grant).';
grant execute on function api.set_addon_grant(text, text, bigint) to ratecard_admin;
