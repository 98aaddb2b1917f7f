-- internal.notify(): write one outbox row (billing events: payment failed, restricted,
-- suspended, restored, trial ending, ...). p_dedupe, when given, makes it once only: a
-- second call with the same tenant, kind and dedupe key writes nothing.
create or replace function internal.notify(
  p_tenant_id uuid, p_kind text, p_payload jsonb default '{}', p_dedupe text default null
)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
begin
  if p_dedupe is not null and exists (
       select from core.notifications n
        where n.tenant_id = p_tenant_id and n.kind = p_kind
          and n.payload->>'dedupe' = p_dedupe) then
    return false;
  end if;
  insert into core.notifications (tenant_id, kind, payload, created_at)
  values (p_tenant_id, p_kind,
          case when p_dedupe is null then p_payload
               else p_payload || jsonb_build_object('dedupe', p_dedupe) end,
          internal.now());
  return true;
end
$$;

comment on function internal.notify(uuid, text, jsonb, text) is
  'Outbox row for a tenant; with p_dedupe, at most once per tenant, kind and key.';
