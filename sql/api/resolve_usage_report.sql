-- api.resolve_usage_report(): an operator's decision on a flagged usage report (see
-- api.usage_reports, status flagged, and flag_reason):
--   retry      send it again (after checking Stripe's meter summary does not have it, for
--              an unconfirmed report; after fixing the customer or meter, for a rejected
--              one); it is pending and its 23-hour clock starts again
--   delivered  Stripe has it (its summary shows it): the report counts as sent
--   dismiss    it will never reach Stripe (too old, say): kept, with the note, as
--              dismissed; reconciliation shows its units apart from drift
-- p_note (required, at most 500 characters) says why. Errors: RC037 unknown report, RC038
-- the report is not flagged, RC005 another action or a missing note.
create or replace function api.resolve_usage_report(
  p_tenant_id uuid, p_report_id bigint, p_action text, p_note text
)
returns table (report_id bigint, status text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  r core.usage_reports;
begin
  if p_action is null or p_action not in ('retry', 'delivered', 'dismiss') then
    raise exception 'unknown action %', coalesce(p_action, 'null')
      using errcode = 'RC005', hint = 'retry, delivered or dismiss';
  end if;
  if p_note is null or length(btrim(p_note)) = 0 or length(p_note) > 500 then
    raise exception 'a note of 1 to 500 characters says why' using errcode = 'RC005';
  end if;
  select * into r from core.usage_reports x
   where x.tenant_id = p_tenant_id and x.report_id = p_report_id for update;
  if not found then
    raise exception 'unknown usage report % of tenant %', p_report_id, p_tenant_id
      using errcode = 'RC037';
  end if;
  if r.status <> 'flagged' then
    raise exception 'usage report % is %, not flagged', p_report_id, r.status
      using errcode = 'RC038', hint = 'only flagged reports wait for an operator';
  end if;
  update core.usage_reports x
     set status = case p_action when 'retry' then 'pending' when 'delivered' then 'sent'
                                else 'dismissed' end,
         flag_reason = case when p_action = 'retry' then null else x.flag_reason end,
         first_attempt_at = case when p_action = 'retry' then null else x.first_attempt_at end,
         sent_at = case when p_action = 'delivered' then internal.now() else x.sent_at end,
         delivery = case when p_action = 'delivered' then 'confirmed' else x.delivery end,
         resolved_note = p_note
   where x.tenant_id = p_tenant_id and x.report_id = p_report_id;
  return query select p_report_id,
    case p_action when 'retry' then 'pending' when 'delivered' then 'sent' else 'dismissed' end;
end
$$;

comment on function api.resolve_usage_report(uuid, bigint, text, text) is
  'Operator: retry, confirm delivered, or dismiss a flagged usage report, with a note.';
grant execute on function api.resolve_usage_report(uuid, bigint, text, text) to ratecard_admin;
