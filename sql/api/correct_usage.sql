-- api.correct_usage(): an administrator's signed correction of a tenant's metered usage in
-- the current period (p_amount > 0 adds units, < 0 takes units back), with the reason. It
-- is one ledger row (properties {"correction": true, "reason": ...}) and the same change
-- to the period's meter, in one transaction, exactly once per idempotency key (a replay
-- returns the first outcome with duplicate = true). resets_at: the end of the period the
-- correction counts in.
--
-- A correction of a billed feature is billed like usage: the reporting job claims it into
-- the period's next usage report, netted with what is not yet reported. A report that
-- comes out negative reaches Stripe as the cancellation of a report sent less than 23
-- hours ago (by its identifier) plus the remainder as a new event, or otherwise as a
-- negative meter event (see internal.claim_usage_reports and docs/stripe.md, Corrections).
--
-- Errors: RC019 missing or malformed key, RC004 a zero amount, RC005 a reason missing or
-- over 500 characters, RC001/RC002 unknown tenant or feature, RC009 not a durable metered
-- feature, RC006 key reused for another correction or operation, RC036 a correction that
-- would take the period's usage below zero.
create or replace function api.correct_usage(
  p_tenant_id uuid,
  p_feature text,
  p_amount bigint,
  p_reason text,
  p_idempotency_key text
)
returns table (duplicate boolean, feature text, amount bigint, used bigint, billed boolean,
               resets_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  e core.entitlements;
  k core.idempotency_keys;
  v_period timestamptz;
  v_resets timestamptz;
  v_used bigint;
begin
  if p_idempotency_key is null then
    raise exception 'a correction needs an idempotency key'
      using errcode = 'RC019', hint = 'one key per correction, e.g. the ticket number';
  end if;
  perform internal.check_idempotency_key(p_idempotency_key);
  if p_amount is null or p_amount = 0 then
    raise exception 'a correction is a non-zero whole number of units' using errcode = 'RC004';
  end if;
  if p_reason is null or length(btrim(p_reason)) = 0 or length(p_reason) > 500 then
    raise exception 'a correction needs a reason of 1 to 500 characters' using errcode = 'RC005';
  end if;
  select * into e from core.entitlements x
   where x.tenant_id = p_tenant_id and x.feature = p_feature;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
  if e.kind <> 'metered' or not e.durable then
    raise exception 'only durable metered features are corrected; % is a %', p_feature,
      case when e.kind = 'metered' then 'rate limit' else e.kind end
      using errcode = 'RC009';
  end if;

  insert into core.idempotency_keys (tenant_id, key, operation, feature, amount, allowed,
                                     created_at)
  values (p_tenant_id, p_idempotency_key, 'correct', p_feature, p_amount, true, v_now)
  on conflict do nothing;
  if not found then
    select * into k from core.idempotency_keys x
     where x.tenant_id = p_tenant_id and x.key = p_idempotency_key;
    if k.operation <> 'correct' or k.feature <> p_feature or k.amount <> p_amount then
      raise exception 'idempotency key % was already used for another request',
        p_idempotency_key using errcode = 'RC006';
    end if;
    return query select true, k.feature, k.amount, k.used, e.overage = 'bill', k.resets_at;
    return;
  end if;

  v_period := internal.period_start(e.reset, e.period_anchor, e.period_interval, v_now);
  v_resets := internal.period_end(e.reset, v_period, e.period_interval, e.period_anchor);
  -- The period's meter row exists and is locked before it is read: a consume that creates
  -- it at the same time is waited for and counted, never overwritten.
  insert into core.meters (tenant_id, feature, period_start, used, updated_at)
  values (p_tenant_id, p_feature, v_period, 0, v_now)
  on conflict on constraint meters_pkey do nothing;
  select m.used into v_used from core.meters m
   where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period
     for update;
  v_used := v_used + p_amount;
  if v_used < 0 then
    raise exception 'the correction takes % below zero this period (% used)', p_feature,
      v_used - p_amount
      using errcode = 'RC036', hint = 'a correction applies to the current period only';
  end if;
  update core.meters m
     set used = v_used, updated_at = v_now
   where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                 idempotency_key, properties, billed)
  values (p_tenant_id, p_feature, p_amount, v_now, v_now, p_idempotency_key,
          jsonb_build_object('correction', true, 'reason', p_reason), e.overage = 'bill');
  update core.idempotency_keys x
     set used = v_used, resets_at = v_resets
   where x.tenant_id = p_tenant_id and x.key = p_idempotency_key;
  return query select false, p_feature, p_amount, v_used, e.overage = 'bill', v_resets;
end
$$;

comment on function api.correct_usage(uuid, text, bigint, text, text) is
  'Administrator: a signed correction of metered usage this period (ledger and meter), once per key; billed corrections reach Stripe.';
grant execute on function api.correct_usage(uuid, text, bigint, text, text) to ratecard_admin;
