-- internal.meter_event_name(): the Billing Meter event name of a billed feature. One meter
-- per feature, named for it, so reports of every plan that bills the feature go to the
-- same meter and the plan's price decides what Stripe charges.
create or replace function internal.meter_event_name(p_feature text)
returns text
language sql
immutable
parallel safe
as $$
  select 'ratecard_' || p_feature
$$;

comment on function internal.meter_event_name(text) is
  'Billing Meter event name of a billed feature: ratecard_<feature>.';
grant execute on function internal.meter_event_name(text)
  to ratecard_tenant, ratecard_service, ratecard_admin;
