-- internal.job_end_due_addons(): the end_due_addons job (every 5 minutes):
-- api.end_due_addons; when it ended any, the queue job remove_ended_addon_items is asked for
-- at once (deduplicated with its schedule) so their Stripe items stop being billed.
-- Result: {"ended": n}.
create or replace function internal.job_end_due_addons(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ended integer := api.end_due_addons();
begin
  if v_ended > 0 and exists (select from core.jobs j where j.name = 'remove_ended_addon_items')
  then
    perform internal.enqueue_job('remove_ended_addon_items', '{}', null, 'schedule',
                                 'end_due_addons');
  end if;
  return pg_catalog.jsonb_build_object('ended', v_ended);
end
$$;

comment on function internal.job_end_due_addons(jsonb) is
  'Job end_due_addons: end add-ons whose cancellation is due; queue their Stripe removal.';
