-- api.admin_stripe_events(): the admin Stripe events page (GET /admin/stripe-events) as one
-- JSON document: how many stored events are in each status, and the events with p_status,
-- or, without it, those needing attention (still waiting: pending, failed,
-- unknown_customer), newest first, at most 200, each with its tenant's name when known.
-- Errors: RC005 a status an event cannot have.
create or replace function api.admin_stripe_events(p_status text default null)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_status is not null and p_status not in
       ('pending', 'applied', 'ignored', 'stale', 'unknown_customer', 'failed', 'dismissed') then
    raise exception 'unknown Stripe event status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005',
            hint = 'one of pending, applied, ignored, stale, unknown_customer, failed, dismissed';
  end if;
  return jsonb_build_object(
    'status', p_status,
    'counts', (select coalesce(jsonb_object_agg(z.status, z.n), '{}'::jsonb)
                 from (select e.status, count(*) as n from core.stripe_events e
                        group by e.status) z),
    'events', (
      select coalesce(jsonb_agg(to_jsonb(x) order by x.received_at desc, x.event_id), '[]'::jsonb)
        from (select e.*, t.name as tenant_name
                from api.stripe_events e
                left join core.tenants t on t.tenant_id = e.tenant_id
               where case when p_status is null
                          then e.status in ('pending', 'failed', 'unknown_customer')
                          else e.status = p_status end
               order by e.received_at desc, e.event_id
               limit 200) x)
  );
end
$$;

comment on function api.admin_stripe_events(text) is
  'The admin Stripe events page as one JSON document: counts by status and the events needing attention (or of one status).';
grant execute on function api.admin_stripe_events(text) to ratecard_admin;
