-- api.remove_plan_limit(): drop a plan's row for a feature, which disables the feature on
-- that plan. Returns whether a row was removed.
create or replace function api.remove_plan_limit(p_plan text, p_feature text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  delete from core.plan_limits l where l.plan = p_plan and l.feature = p_feature;
  return found;
end
$$;

comment on function api.remove_plan_limit(text, text) is
  'Remove a plan''s limit for a feature (the feature becomes disabled on the plan).';
grant execute on function api.remove_plan_limit(text, text) to ratecard_admin;
