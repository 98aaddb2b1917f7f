-- internal.cron_field(): the values one field of a cron schedule allows, as a sorted array.
--
-- pg_cron (1.4) reads the classic five fields, each a list of `*`, `n`, `a-b`, with an
-- optional `/step` (`*/5`, `10-50/20`, `7/15` from 7 to the end), and month and weekday
-- names (`jan`, `mon`). Ratecard parses the same syntax so that a schedule is checked when
-- it is defined (not first when pg_cron runs it), api.jobs can say when a job runs next, and
-- the worker can fire schedules itself where pg_cron is missing. Bad syntax is RC005.
create or replace function internal.cron_field(
  p_field text, p_min integer, p_max integer, p_names text[] default null
)
returns integer[]
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_part text;
  v_range text;
  v_step integer;
  v_lo integer;
  v_hi integer;
  v_out integer[] := '{}';

  -- a number or a name (names count from p_min: jan = 1, sun = 0)
  v_bounds text[];
begin
  if p_field is null or p_field !~ '^[0-9a-z*/,-]+$' then
    raise exception 'bad cron field "%"', p_field using errcode = 'RC005';
  end if;
  foreach v_part in array pg_catalog.string_to_array(p_field, ',') loop
    v_step := 1;
    v_range := v_part;
    if v_part like '%/%' then
      v_range := pg_catalog.split_part(v_part, '/', 1);
      begin
        v_step := pg_catalog.split_part(v_part, '/', 2)::integer;
      exception when others then
        raise exception 'bad step in cron field "%"', p_field using errcode = 'RC005';
      end;
    end if;
    if v_range = '*' then
      v_lo := p_min;
      v_hi := p_max;
    else
      v_bounds := pg_catalog.string_to_array(v_range, '-');
      if pg_catalog.array_length(v_bounds, 1) not between 1 and 2 then
        raise exception 'bad range in cron field "%"', p_field using errcode = 'RC005';
      end if;
      for i in 1 .. pg_catalog.array_length(v_bounds, 1) loop
        if v_bounds[i] ~ '^[0-9]+$' then
          v_hi := v_bounds[i]::integer;
        elsif p_names is not null and v_bounds[i] = any (p_names) then
          v_hi := pg_catalog.array_position(p_names, v_bounds[i]) - 1 + p_min;
        else
          raise exception 'bad value "%" in cron field "%"', v_bounds[i], p_field
            using errcode = 'RC005';
        end if;
        if i = 1 then
          v_lo := v_hi;
        end if;
      end loop;
      -- `n/step` runs from n to the end of the range, as in cron
      if pg_catalog.array_length(v_bounds, 1) = 1 and v_part like '%/%' then
        v_hi := p_max;
      end if;
    end if;
    if v_step < 1 or v_lo < p_min or v_hi > p_max or v_lo > v_hi then
      raise exception 'cron field "%" is out of range (% to %)', p_field, p_min, p_max
        using errcode = 'RC005';
    end if;
    v_out := v_out || array(select pg_catalog.generate_series(v_lo, v_hi, v_step));
  end loop;
  return array(select distinct v from pg_catalog.unnest(v_out) v order by v);
end
$$;

comment on function internal.cron_field(text, integer, integer, text[]) is
  'Values one cron field allows (n, a-b, */s, lists, names); RC005 on bad syntax.';
revoke execute on function internal.cron_field(text, integer, integer, text[]) from public;
grant execute on function internal.cron_field(text, integer, integer, text[])
  to ratecard_service, ratecard_admin;
