-- depends: 0015.meters_over_limit
--
-- Billed usage in Stripe: the catalog Ratecard keeps in Stripe (products, prices, Billing
-- Meters) and the way `bill`-policy usage reaches Stripe exactly once.
--
-- The catalog: plans may carry an annual price besides the price of their own interval,
-- and a `bill` limit a price per unit past its included amount (the limit). What
-- `ratecard stripe sync-catalog` made in Stripe is remembered in core.stripe_catalog, one
-- row per Stripe object, retired prices included: a subscription that still uses a retired
-- price must still be recognised as that plan's (Stripe prices are immutable, so a changed
-- amount is a new price).
--
-- Reporting: a ledger row of a feature the tenant's plan bills is marked `billed` when it
-- is written. A claim (internal.claim_usage_reports) moves unreported billed rows of one
-- tenant, feature and billing period into one core.usage_reports row in one transaction;
-- the worker sends it to Stripe as a meter event whose identifier is derived from the
-- report's id, then marks it sent. Resending after a crash sends the same identifier,
-- which Stripe refuses as a duplicate: delivered. core.usage_drift keeps what
-- reconciliation found (ledger, sent reports and Stripe's meter summaries disagreeing).

-- core.plans.annual_price_cents (0014.pages) is also what sync-catalog sells a monthly
-- plan for a year at: a yearly Stripe price exists only where it is set.
comment on column core.plans.annual_price_cents is
  'A monthly plan also sold yearly: the price of a year (cents), for which sync-catalog makes a yearly Stripe price; null: not sold yearly by sync-catalog (the billing page shows 12 x price_cents).';

alter table core.plan_limits
  add column unit_price_cents numeric(24, 12) check (unit_price_cents >= 0);
comment on column core.plan_limits.unit_price_cents is
  'bill limits: cents per unit past the included amount (the limit), e.g. 0.0005 for $5 per million.';

alter table core.features
  add column stripe_meter_id text,
  add column stripe_meter_event_name text,
  add column stripe_product_id text;

-- The metered items of the newest subscription snapshot: [{feature, item_id, price_id}].
alter table core.subscriptions
  add column metered_items jsonb not null default '[]' check (jsonb_typeof(metered_items) = 'array');

create table core.stripe_catalog (
  stripe_id   text primary key check (length(stripe_id) between 1 and 255),
  object      text not null check (object in ('product', 'price', 'meter')),
  -- Ratecard's name for it: the price's lookup key, the product's or meter's key
  key         text not null check (length(key) between 1 and 200),
  plan        text references core.plans (code) on update cascade,
  addon       text references core.addons (code) on update cascade,
  feature     text references core.features (code) on update cascade,
  billing_interval text check (billing_interval in ('month', 'year')),
  currency    text check (currency ~ '^[a-z]{3}$'),
  -- licensed prices (plans, add-ons): the unit amount
  unit_amount_cents bigint,
  -- metered prices: units at no charge (the first tier), then cents per unit
  included    bigint check (included >= 0),
  unit_amount_decimal numeric(24, 12),
  -- the terms Stripe cannot change on a price, as Ratecard wrote them (also in its metadata)
  terms       text,
  active      boolean not null default true,
  created_at  timestamptz not null default now(),
  retired_at  timestamptz
);
comment on table core.stripe_catalog is
  'Stripe objects of the catalog (products, prices, meters), retired prices included.';
create unique index stripe_catalog_active_key on core.stripe_catalog (object, key) where active;
create index stripe_catalog_plan on core.stripe_catalog (plan) where plan is not null;

alter table core.usage_events
  add column billed boolean not null default false,
  add column report_id bigint;
comment on column core.usage_events.billed is
  'Written while the tenant''s plan bills the feature (overage bill): reported to Stripe.';
comment on column core.usage_events.report_id is
  'The usage report that carried this row to Stripe; null while unreported.';
create index usage_events_unreported on core.usage_events (tenant_id, feature, occurred_at)
  where billed and report_id is null;

create sequence core.usage_report_ids;

create table core.usage_reports (
  tenant_id          uuid not null references core.tenants on delete cascade,
  report_id          bigint not null default nextval('core.usage_report_ids'),
  feature            text not null references core.features (code) on update cascade,
  event_name         text not null,
  stripe_customer_id text not null,
  -- what this report adds to Stripe's sum for its period (negative for a correction)
  value              bigint not null,
  -- the value of the meter event sent under `identifier` (null: no event to send)
  event_value        bigint,
  -- a correction within Stripe's 24 hours: that report's event is cancelled first
  cancels_report_id  bigint,
  identifier         text not null check (length(identifier) between 1 and 100),
  period_start       timestamptz not null,
  period_end         timestamptz not null,
  window_start       timestamptz not null,             -- earliest occurred_at of its rows
  window_end         timestamptz not null,             -- latest occurred_at of its rows
  event_at           timestamptz not null,             -- the meter event's timestamp
  events             integer not null check (events > 0),
  status             text not null default 'pending'
                     check (status in ('pending', 'sent', 'flagged', 'dismissed')),
  flag_reason        text check (flag_reason in ('too_old', 'unconfirmed', 'rejected')),
  claimed_at         timestamptz not null,
  first_attempt_at   timestamptz,
  cancel_sent_at     timestamptz,
  sent_at            timestamptz,
  delivery           text check (delivery in ('created', 'duplicate', 'canceled', 'nothing',
                                                'confirmed')),
  attempts           integer not null default 0,
  last_error         text,
  resolved_note      text,
  primary key (tenant_id, report_id),
  unique (tenant_id, identifier)
);
comment on table core.usage_reports is
  'Claims of billed ledger rows, each sent to Stripe once as a meter event (by identifier).';
create index usage_reports_open on core.usage_reports (tenant_id, report_id)
  where status in ('pending', 'flagged');
create index usage_reports_period on core.usage_reports (tenant_id, feature, period_start);

create table core.usage_drift (
  tenant_id       uuid not null references core.tenants on delete cascade,
  feature         text not null references core.features (code) on update cascade,
  period_start    timestamptz not null,
  period_end      timestamptz not null,
  ledger_units    bigint not null,                     -- billed ledger rows of the period
  reported_units  bigint not null,                     -- sent reports of the period
  in_flight_units bigint not null,                     -- claimed or unclaimed, not yet sent
  flagged_units   bigint not null,                     -- reports an operator must look at
  stripe_units    bigint,                              -- Stripe's meter event summary
  first_seen_at   timestamptz not null,
  checked_at      timestamptz not null,
  resolved_at     timestamptz,                         -- a later check found no drift
  primary key (tenant_id, feature, period_start)
);
comment on table core.usage_drift is
  'Reconciliation findings: periods whose ledger, sent reports and Stripe summary disagree.';
create index usage_drift_open on core.usage_drift (checked_at) where resolved_at is null;

-- api.correct_usage claims its idempotency keys in the same table as consume and record.
alter table core.idempotency_keys drop constraint idempotency_keys_operation_check;
alter table core.idempotency_keys
  add constraint idempotency_keys_operation_check
  check (operation in ('consume', 'record', 'correct'));

alter table core.stripe_catalog enable row level security;
alter table core.usage_reports enable row level security;
alter table core.usage_drift enable row level security;
