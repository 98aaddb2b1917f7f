-- api.run_job(): run a SQL job now, in the caller's session: what pg_cron calls on every
-- schedule (`call api.run_job('expire_trials')`) and what `ratecard jobs run` calls.
--
-- A procedure, so that each step (one bounded batch of a purge, one partition) commits on
-- its own: a long purge never holds one huge transaction. That needs a CALL at top level
-- (pg_cron, psql, an autocommit connection), not inside a transaction block. It is
-- SECURITY INVOKER without a SET clause (a procedure with either cannot commit); every
-- write goes through the security definer functions it calls (api.start_job_run,
-- api.step_job_run, api.finish_job_run), all schema-qualified. A NOTICE reports each step's
-- progress. When another run holds the job's lock it only says so. A failing step records
-- the run as failed with the error, commits that, then raises the error again, so pg_cron's
-- own log (cron.job_run_details) and the CLI see it too.
create or replace procedure api.run_job(p_job text, p_args jsonb default '{}')
language plpgsql
as $$
declare
  v_id bigint;
  v_more boolean := true;
  v_out jsonb;
  v_step integer := 0;
  v_state text;
  v_error text;
begin
  v_id := api.start_job_run(p_job, p_args);
  if v_id is null then
    raise notice 'job %: another run holds its lock; nothing done', p_job;
    return;
  end if;
  commit;
  while v_more loop
    begin
      v_out := api.step_job_run(v_id);
      v_more := coalesce((v_out->>'more')::boolean, false);
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_error = message_text;
      v_more := false;
    end;
    v_step := v_step + 1;
    if v_error is null and v_more then
      raise notice 'job % run %: step % done: %', p_job, v_id, v_step, v_out - 'more';
    end if;
    commit;
  end loop;
  if v_error is not null then
    perform api.finish_job_run(v_id, null, false, null, v_state || ': ' || v_error);
    commit;
    raise exception using errcode = v_state, message = v_error;
  end if;
  perform api.finish_job_run(v_id, null, true);
end
$$;

comment on procedure api.run_job(text, jsonb) is
  'Run a SQL job now, one committed step at a time (pg_cron and the CLI call it).';
grant execute on procedure api.run_job(text, jsonb) to ratecard_service, ratecard_admin;
