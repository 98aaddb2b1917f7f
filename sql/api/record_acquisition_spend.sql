-- api.record_acquisition_spend(): record what sales and marketing spent in a month on a
-- channel, for CAC (analytics.kpis). Idempotent per month and channel: recording again
-- replaces the amount and currency. p_month may be any day of the month.
create or replace function api.record_acquisition_spend(
  p_month date, p_channel text, p_amount_cents bigint, p_currency text default 'usd'
)
returns table (month date, channel text, currency text, amount_cents bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_month is null or p_month not between date '2000-01-01' and date '2999-12-31' then
    raise exception 'month must be a date, got %', coalesce(p_month::text, 'null')
      using errcode = 'RC005';
  end if;
  if p_channel is null or p_channel !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'invalid channel %', coalesce(p_channel, 'null') using errcode = 'RC005',
      hint = 'lower case letters, digits and _, starting with a letter (e.g. paid_search)';
  end if;
  if p_currency is null or p_currency !~ '^[a-z]{3}$' then
    raise exception 'invalid currency %', coalesce(p_currency, 'null') using errcode = 'RC005',
      hint = 'an ISO 4217 code in lower case, e.g. usd';
  end if;
  if p_amount_cents is null or p_amount_cents < 0 then
    raise exception 'amount must be 0 or more cents, got %', p_amount_cents
      using errcode = 'RC004';
  end if;
  return query
  insert into core.acquisition_spend as s (month, channel, currency, amount_cents, recorded_at)
  values (date_trunc('month', p_month)::date, p_channel, p_currency, p_amount_cents,
          internal.now())
  on conflict on constraint acquisition_spend_pkey do update
     set currency = excluded.currency, amount_cents = excluded.amount_cents,
         recorded_at = excluded.recorded_at
  returning s.month, s.channel, s.currency, s.amount_cents;
end
$$;

comment on function api.record_acquisition_spend(date, text, bigint, text) is
  'Record acquisition spend for a month and channel (idempotent: replaces the amount).';
grant execute on function api.record_acquisition_spend(date, text, bigint, text) to ratecard_admin;
