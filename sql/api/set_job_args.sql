-- api.set_job_args(): an operator's arguments for a job's runs, kept across migrations and
-- merged over the defined ones (for example {"older_than": "30 days"} for
-- purge_idempotency_keys); null goes back to the defined arguments. Runs asked for with
-- arguments of their own still win over these. Returns the arguments now in force. RC025
-- for an unknown job, RC005 for arguments that are not a JSON object.
create or replace function api.set_job_args(p_job text, p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_out jsonb;
begin
  if p_args is not null and pg_catalog.jsonb_typeof(p_args) <> 'object' then
    raise exception 'job arguments must be a JSON object' using errcode = 'RC005';
  end if;
  update core.jobs j set args_override = p_args
   where j.name = p_job
  returning j.args || coalesce(j.args_override, '{}') into v_out;
  if not found then
    raise exception 'unknown job: %', p_job using errcode = 'RC025',
      hint = 'api.jobs lists every job';
  end if;
  return v_out;
end
$$;

comment on function api.set_job_args(text, jsonb) is
  'Operator arguments of a job''s runs, merged over the defined ones (null: back to those).';
grant execute on function api.set_job_args(text, jsonb) to ratecard_admin;
