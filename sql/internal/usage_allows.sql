-- internal.usage_allows(): would adding p_amount to p_used be allowed? The one place where
-- the overage policies are decided; check_quota asks it, and consume puts it in the WHERE
-- clause of its atomic upsert so the check and the change are one statement.
--
--   disabled  -> no (releasing, p_amount <= 0, is always allowed)
--   unlimited -> yes
--   block     -> used + amount <= limit
--   soft      -> used + amount <= floor(limit * (1 + buffer% / 100)), and not after the
--                grace period that started when usage first passed the limit
--   bill      -> yes (the excess is billed as overage)
create or replace function internal.usage_allows(
  p_enabled boolean, p_limit bigint, p_used bigint, p_amount bigint,
  p_overage text, p_buffer_pct numeric, p_over_since timestamptz, p_grace interval,
  p_now timestamptz
)
returns boolean
language sql
-- stable, not immutable: timestamptz + interval depends on the TimeZone setting, and
-- PostgreSQL only inlines a function whose body is no more volatile than it says.
stable
parallel safe
as $$
  select case
    when p_amount <= 0 then true
    when not p_enabled then false
    when p_limit is null then true
    when p_overage = 'block' then p_used + p_amount <= p_limit
    when p_overage = 'soft' then
      p_used + p_amount <= internal.soft_cap(p_limit, p_buffer_pct)
      and not (p_over_since is not null and p_grace is not null
               and p_now >= p_over_since + p_grace)
    else true
  end
$$;

comment on function internal.usage_allows(boolean, bigint, bigint, bigint, text, numeric,
  timestamptz, interval, timestamptz) is
  'Overage policy decision: may p_amount be added to p_used under this limit?';
grant execute on function internal.usage_allows(boolean, bigint, bigint, bigint, text, numeric,
  timestamptz, interval, timestamptz) to ratecard_tenant, ratecard_service, ratecard_admin;
