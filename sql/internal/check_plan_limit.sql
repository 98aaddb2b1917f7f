-- internal.check_plan_limit(): the rules of one plan limit, stated once for
-- api.set_plan_limit (one feature) and api.replace_plan_limits (a plan's whole set):
--   p_limit      zero or more, null = unlimited                          else RC004
--   p_overage    block | soft | bill                                     else RC005
--   p_buffer_pct 0 to 1000 (percent past the limit a soft limit allows)  else RC005
--   p_grace      not negative (null: no deadline)                        else RC005
create or replace function internal.check_plan_limit(
  p_limit bigint, p_overage text, p_buffer_pct numeric, p_grace interval
)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_limit < 0 then
    raise exception 'limit must be zero or more (null for unlimited), got %', p_limit
      using errcode = 'RC004';
  end if;
  if p_overage is null or p_overage not in ('block', 'soft', 'bill') then
    raise exception 'invalid overage policy %', coalesce(p_overage, 'null')
      using errcode = 'RC005', hint = 'one of block, soft, bill';
  end if;
  if p_buffer_pct is null or p_buffer_pct < 0 or p_buffer_pct > 1000 then
    raise exception 'buffer percent must be 0 to 1000, got %', p_buffer_pct
      using errcode = 'RC005';
  end if;
  if p_grace < interval '0' then
    raise exception 'grace period cannot be negative' using errcode = 'RC005';
  end if;
end
$$;

comment on function internal.check_plan_limit(bigint, text, numeric, interval) is
  'Raise RC004/RC005 for a plan limit that breaks the rules (limit, overage, buffer, grace).';
