-- internal.job_requester(): who asks for a run, as recorded in core.job_runs.requested_by:
-- the session's login and, when set, its application_name (`ratecard_scheduler` for
-- pg_cron, `postgres (ratecard-cli)`, `ratecard_authenticator (ratecard-api)`).
create or replace function internal.job_requester()
returns text
language sql
stable
as $$
  select session_user::text
         || coalesce(' (' || nullif(pg_catalog.current_setting('application_name', true), '')
                     || ')', '')
$$;

comment on function internal.job_requester() is
  'Who asks for a job run: the session login and its application_name.';
revoke execute on function internal.job_requester() from public;
