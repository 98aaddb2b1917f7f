-- internal.check_notification_types(): refuse a list of notification types with a type
-- Ratecard does not know (RC005), so a typo in a preference or an endpoint's event types
-- is an error rather than a silent "never". Null passes (it means every type).
create or replace function internal.check_notification_types(p_types text[], p_what text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_bad text;
begin
  if p_types is null then
    return;
  end if;
  select t into v_bad from pg_catalog.unnest(p_types) t
   where t is null or not (t = any (internal.notification_types())) limit 1;
  if found then
    raise exception '%: unknown notification type %', p_what, coalesce(v_bad, 'null')
      using errcode = 'RC005',
            hint = 'known types: ' || pg_catalog.array_to_string(internal.notification_types(), ', ');
  end if;
  if pg_catalog.cardinality(p_types) > 100 then
    raise exception '%: at most 100 types', p_what using errcode = 'RC005';
  end if;
end
$$;

comment on function internal.check_notification_types(text[], text) is
  'RC005 unless every element is a known notification type (null passes: every type).';
revoke execute on function internal.check_notification_types(text[], text) from public;
