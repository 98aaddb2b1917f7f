-- internal.cron_next(): the first time after p_after (UTC, whole minutes) that a cron
-- schedule fires; null for a schedule that never fires (`0 0 30 2 *`).
--
-- The five fields are minute, hour, day of month, month, day of week (0 or 7 is Sunday),
-- read as pg_cron 1.4 (Vixie cron) reads them: when both day fields are restricted, a day
-- matching either counts; `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`,
-- `@yearly` and `@annually` are accepted. pg_cron runs schedules in UTC, and so does this.
-- Used to check schedules when they are defined (RC005), for api.jobs' next run, and by the
-- worker's own scheduler where pg_cron is missing (api.fire_due_schedules).
create or replace function internal.cron_next(p_schedule text, p_after timestamptz)
returns timestamptz
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_expr text := pg_catalog.lower(pg_catalog.btrim(p_schedule));
  v_fields text[];
  v_min integer[];
  v_hour integer[];
  v_dom integer[];
  v_mon integer[];
  v_dow integer[];
  v_dom_any boolean;
  v_dow_any boolean;
  v_day_ok boolean;
  v_t timestamp;
begin
  if p_schedule is null then
    return null;  -- not scheduled
  end if;
  v_expr := case v_expr
    when '@hourly' then '0 * * * *'
    when '@daily' then '0 0 * * *'
    when '@midnight' then '0 0 * * *'
    when '@weekly' then '0 0 * * 0'
    when '@monthly' then '0 0 1 * *'
    when '@yearly' then '0 0 1 1 *'
    when '@annually' then '0 0 1 1 *'
    else v_expr end;
  v_fields := pg_catalog.regexp_split_to_array(v_expr, '\s+');
  if pg_catalog.array_length(v_fields, 1) is distinct from 5 then
    raise exception 'a schedule has five fields (minute hour day month weekday), got "%"',
      p_schedule using errcode = 'RC005', hint = 'for example */5 * * * * or 0 3 * * *';
  end if;
  v_min := internal.cron_field(v_fields[1], 0, 59);
  v_hour := internal.cron_field(v_fields[2], 0, 23);
  v_dom := internal.cron_field(v_fields[3], 1, 31);
  v_mon := internal.cron_field(v_fields[4], 1, 12,
    '{jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec}');
  v_dow := internal.cron_field(v_fields[5], 0, 7, '{sun,mon,tue,wed,thu,fri,sat}');
  if 7 = any (v_dow) then
    v_dow := v_dow || 0;
  end if;
  v_dom_any := v_fields[3] like '*%';
  v_dow_any := v_fields[5] like '*%';
  if p_after is null then
    return null;
  end if;
  v_t := pg_catalog.date_trunc('minute', p_after at time zone 'UTC') + interval '1 minute';
  -- at most a few dozen steps a year (month, day, hour, minute jumps); eight years cover
  -- any schedule that fires at all (29 February in a year whose weekday matches)
  for i in 1 .. 20000 loop
    if not (pg_catalog.date_part('month', v_t)::integer = any (v_mon)) then
      v_t := pg_catalog.date_trunc('month', v_t) + interval '1 month';
      continue;
    end if;
    v_day_ok := case
      when v_dom_any and v_dow_any then true
      when v_dom_any then pg_catalog.date_part('dow', v_t)::integer = any (v_dow)
      when v_dow_any then pg_catalog.date_part('day', v_t)::integer = any (v_dom)
      else pg_catalog.date_part('dow', v_t)::integer = any (v_dow)
           or pg_catalog.date_part('day', v_t)::integer = any (v_dom) end;
    if not v_day_ok then
      v_t := pg_catalog.date_trunc('day', v_t) + interval '1 day';
      continue;
    end if;
    if not (pg_catalog.date_part('hour', v_t)::integer = any (v_hour)) then
      v_t := pg_catalog.date_trunc('hour', v_t) + interval '1 hour';
      continue;
    end if;
    if not (pg_catalog.date_part('minute', v_t)::integer = any (v_min)) then
      v_t := v_t + interval '1 minute';
      continue;
    end if;
    return v_t at time zone 'UTC';
  end loop;
  return null;
end
$$;

comment on function internal.cron_next(text, timestamptz) is
  'First time after p_after that a cron schedule (pg_cron syntax, UTC) fires; RC005 if bad.';
revoke execute on function internal.cron_next(text, timestamptz) from public;
grant execute on function internal.cron_next(text, timestamptz)
  to ratecard_service, ratecard_admin;
