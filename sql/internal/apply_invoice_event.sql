-- internal.apply_invoice_event(): keep invoice history and payment attempts from Stripe
-- invoice events, then re-derive the tenant's billing state.
--   invoice.paid, invoice.payment_succeeded -> a successful attempt
--   invoice.payment_failed                   -> a failed attempt, and an outbox row
-- Each invoice also keeps its usage revenue (usage_cents): the amount, after discounts and
-- before tax, of its metered lines: a line whose price says usage_type metered, or (the
-- current API names only the price id) a subscription line, not a proration, whose price
-- is neither a plan's nor an add-on's (nor one of their prices sync-catalog retired).
-- The invoice row keeps what the newest event about that invoice said. Event times have
-- one-second resolution and deliveries come in any order, so between two events of the
-- same second the one further along the invoice's life wins (draft, open, uncollectible,
-- then paid or void): a paid invoice never turns back into a draft because its
-- invoice.created was applied after its invoice.paid.
create or replace function internal.apply_invoice_event(
  p_tenant_id uuid, p_event_id text, p_type text, p_at timestamptz, p_inv jsonb
)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_sub text := coalesce(p_inv->'parent'->'subscription_details'->>'subscription',
                         p_inv->>'subscription');
  v_life constant text[] := array['draft', 'open', 'uncollectible', 'paid', 'void'];
  v_usage bigint;
begin
  if p_inv->>'id' is null then
    raise exception 'invoice event without an invoice id' using errcode = 'RC021';
  end if;
  select coalesce(sum((l->>'amount')::bigint
                      - coalesce((select sum((da->>'amount')::bigint)
                                    from jsonb_array_elements(
                                           case when jsonb_typeof(l->'discount_amounts') = 'array'
                                                then l->'discount_amounts' else '[]' end) da), 0)), 0)
    into v_usage
    from jsonb_array_elements(case when jsonb_typeof(p_inv->'lines'->'data') = 'array'
                                   then p_inv->'lines'->'data' else '[]' end) l
   cross join lateral (select coalesce(l->'pricing'->'price_details'->>'price',
                                       case when jsonb_typeof(l->'price') = 'object'
                                            then l->'price'->>'id' end) as price) x
   where coalesce(l->'price'->'recurring'->>'usage_type', l->'plan'->>'usage_type') = 'metered'
      or (l->'parent'->>'type' = 'subscription_item_details'
          and not coalesce((l->'parent'->'subscription_item_details'->>'proration')::boolean, false)
          and x.price is not null
          and not exists (select from core.plans p
                           where x.price in (p.stripe_price_monthly_id, p.stripe_price_annual_id))
          and not exists (select from core.addons a
                           where x.price in (a.stripe_price_monthly_id, a.stripe_price_annual_id))
          and not exists (select from core.stripe_catalog c
                           where c.stripe_id = x.price and c.object = 'price'
                             and (c.plan is not null or c.addon is not null)
                             and c.feature is null));
  insert into core.invoices as i
    (tenant_id, invoice_id, subscription_id, number, status, currency, amount_due,
     amount_paid, amount_remaining, total, hosted_invoice_url, invoice_pdf, period_start,
     period_end, created_at, paid_at, attempt_count, next_payment_attempt, stripe_event_at,
     usage_cents)
  values (p_tenant_id, p_inv->>'id', v_sub, p_inv->>'number', p_inv->>'status',
          p_inv->>'currency', (p_inv->>'amount_due')::bigint, (p_inv->>'amount_paid')::bigint,
          (p_inv->>'amount_remaining')::bigint, (p_inv->>'total')::bigint,
          p_inv->>'hosted_invoice_url', p_inv->>'invoice_pdf',
          to_timestamp((p_inv->>'period_start')::double precision),
          to_timestamp((p_inv->>'period_end')::double precision),
          to_timestamp((p_inv->>'created')::double precision),
          to_timestamp((p_inv->'status_transitions'->>'paid_at')::double precision),
          (p_inv->>'attempt_count')::integer,
          to_timestamp((p_inv->>'next_payment_attempt')::double precision), p_at, v_usage)
  on conflict (tenant_id, invoice_id) do update set
    subscription_id = excluded.subscription_id, number = excluded.number,
    status = excluded.status, currency = excluded.currency,
    amount_due = excluded.amount_due, amount_paid = excluded.amount_paid,
    amount_remaining = excluded.amount_remaining, total = excluded.total,
    hosted_invoice_url = excluded.hosted_invoice_url, invoice_pdf = excluded.invoice_pdf,
    period_start = excluded.period_start, period_end = excluded.period_end,
    created_at = excluded.created_at, paid_at = excluded.paid_at,
    attempt_count = excluded.attempt_count,
    next_payment_attempt = excluded.next_payment_attempt,
    stripe_event_at = excluded.stripe_event_at, usage_cents = excluded.usage_cents
  where i.stripe_event_at < excluded.stripe_event_at
     or (i.stripe_event_at = excluded.stripe_event_at
         and coalesce(array_position(v_life, excluded.status), 0)
             >= coalesce(array_position(v_life, i.status), 0));

  if p_type in ('invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed') then
    insert into core.payment_attempts (tenant_id, event_id, invoice_id, attempted_at, succeeded,
                                       amount_cents, currency, attempt_count)
    values (p_tenant_id, p_event_id, p_inv->>'id', p_at, p_type <> 'invoice.payment_failed',
            case when p_type = 'invoice.payment_failed' then (p_inv->>'amount_due')::bigint
                 else (p_inv->>'amount_paid')::bigint end,
            p_inv->>'currency', (p_inv->>'attempt_count')::integer)
    on conflict do nothing;
    if p_type = 'invoice.payment_failed' then
      perform internal.notify(p_tenant_id, 'payment_failed',
        jsonb_build_object('invoice_id', p_inv->>'id', 'amount_due', p_inv->'amount_due',
                           'currency', p_inv->'currency', 'attempt_count', p_inv->'attempt_count',
                           'hosted_invoice_url', p_inv->'hosted_invoice_url'),
        p_event_id);
    end if;
    perform internal.sync_billing_state(p_tenant_id);
  end if;
  return 'applied';
end
$$;

comment on function internal.apply_invoice_event(uuid, text, text, timestamptz, jsonb) is
  'Record an invoice (newest event wins) and its payment attempt; derive billing state.';
