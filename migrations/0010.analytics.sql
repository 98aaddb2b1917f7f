-- depends: 0008.consume_resets_at
--
-- Revenue and capacity analytics (docs/analytics.md).
--
-- MRR on a past day must be computable from history alone and never change later. The
-- history kept so far (plan, status, seats, interval, MRR before and after) lacked what
-- the definitions need: add-ons with recurring prices, discounts and when they end, a
-- cancellation at the period end (counts until then), trial MRR, the interval Stripe
-- bills in and the subscription's currency. Each history row now records, after the
-- change, the recurring items billed (amount, quantity, interval, when an item stops),
-- the discounts in force (percent or amount off, when each ends), and when the whole
-- subscription stops counting. The MRR timeline that follows from a row (a discount that
-- ends raises MRR then; a cancellation at the period end drops it then) is materialised in
-- core.mrr_points when the row is written, so a past day's figure is a lookup.
--
-- Closed months are materialised in core.revenue_months (api.close_revenue_months) so
-- monthly movements and KPIs do not rescan the whole timeline; open months are computed
-- from core.mrr_points.

-- What Stripe bills, kept from each subscription snapshot.
alter table core.subscriptions
  add column currency            text check (currency ~ '^[a-z]{3}$'),
  add column cancel_at           timestamptz,
  add column unit_interval       text check (unit_interval in ('day', 'week', 'month', 'year')),
  add column unit_interval_count integer check (unit_interval_count between 1 and 1000),
  add column discounts           jsonb not null default '[]' check (jsonb_typeof(discounts) = 'array');

alter table core.tenant_addons
  add column unit_amount_cents   bigint check (unit_amount_cents >= 0),
  add column unit_interval       text check (unit_interval in ('day', 'week', 'month', 'year')),
  add column unit_interval_count integer check (unit_interval_count between 1 and 1000);

-- The revenue facts after each change.
alter table core.subscription_history
  add column items     jsonb not null default '[]' check (jsonb_typeof(items) = 'array'),
  add column discounts jsonb not null default '[]' check (jsonb_typeof(discounts) = 'array'),
  add column ends_at   timestamptz,
  add column trial_mrr_after_cents bigint not null default 0;
comment on table core.subscription_history is
  'Append-only: every change of a tenant''s revenue facts (plan, status, seats, interval, '
  'items billed, discounts, end) with MRR before and after.';

-- Rows written before this migration: their MRR after the change is known, their items
-- are not; one monthly item of that amount reproduces it.
update core.subscription_history
   set items = jsonb_build_array(jsonb_build_object(
         'kind', 'plan', 'code', plan_after, 'id', null, 'unit_amount_cents', mrr_after_cents,
         'quantity', 1, 'interval', 'month', 'interval_count', 1, 'ends_at', null))
 where mrr_after_cents > 0;

-- The MRR timeline per tenant: the value from `at` until the tenant's next point. Written
-- with each history row: a point at the change, and one at each known future end (a
-- discount, an add-on, the subscription). A later history row deletes the points after it
-- (they were in the future when written), so a past point never changes.
create table core.mrr_points (
  tenant_id            uuid not null references core.tenants on delete cascade,
  at                   timestamptz not null,
  history_id           bigint not null,
  currency             text,
  mrr_cents            bigint not null check (mrr_cents >= 0),
  trial_mrr_cents      bigint not null check (trial_mrr_cents >= 0),
  -- the value just before this point, so a level at any time is a sum of local deltas
  prev_currency        text,
  prev_mrr_cents       bigint not null default 0,
  prev_trial_mrr_cents bigint not null default 0,
  -- the first instant, up to this point, at which the tenant paid in `currency`
  first_paid_at        timestamptz,
  primary key (tenant_id, at)
);
comment on table core.mrr_points is
  'Derived from core.subscription_history: each tenant''s MRR and trial MRR from `at` on.';
create index mrr_points_at on core.mrr_points (at);

insert into core.mrr_points (tenant_id, at, history_id, currency, mrr_cents, trial_mrr_cents)
select distinct on (h.tenant_id, h.changed_at)
       h.tenant_id, h.changed_at, h.history_id, h.currency, h.mrr_after_cents, 0
  from core.subscription_history h
 order by h.tenant_id, h.changed_at, h.history_id desc;
update core.mrr_points p
   set prev_currency = x.prev_currency, prev_mrr_cents = x.prev_mrr,
       first_paid_at = x.first_paid
  from (select tenant_id, at,
               lag(currency) over w as prev_currency,
               coalesce(lag(mrr_cents) over w, 0) as prev_mrr,
               min(at) filter (where mrr_cents > 0)
                 over (partition by tenant_id, currency order by at) as first_paid
          from core.mrr_points
        window w as (partition by tenant_id order by at)) x
 where (p.tenant_id, p.at) = (x.tenant_id, x.at);

-- Closed calendar months (UTC), per currency: movements and the levels at the month's end.
create table core.revenue_months (
  month                 date not null check (month = date_trunc('month', month)),
  currency              text not null check (currency ~ '^[a-z]{3}$'),
  mrr_start_cents       bigint not null,
  paying_start          integer not null,
  mrr_end_cents         bigint not null,
  paying_end            integer not null,
  trial_mrr_end_cents   bigint not null,
  new_cents             bigint not null,
  expansion_cents       bigint not null,
  contraction_cents     bigint not null,
  churn_cents           bigint not null,
  reactivation_cents    bigint not null,
  new_customers         integer not null,
  expansion_customers   integer not null,
  contraction_customers integer not null,
  churned_customers     integer not null,
  reactivated_customers integer not null,
  closed_at             timestamptz not null default now(),
  primary key (month, currency)
);
comment on table core.revenue_months is
  'Materialised: each closed month''s MRR movements and levels per currency (from core.mrr_points).';

-- Acquisition spend per month and channel (CAC).
create table core.acquisition_spend (
  month        date not null check (month = date_trunc('month', month)),
  channel      text not null check (channel ~ '^[a-z][a-z0-9_]{0,62}$'),
  currency     text not null check (currency ~ '^[a-z]{3}$'),
  amount_cents bigint not null check (amount_cents >= 0),
  recorded_at  timestamptz not null default now(),
  primary key (month, channel)
);
comment on table core.acquisition_spend is 'Sales and marketing spend per month and channel, for CAC.';

-- Usage revenue (metered lines) of each invoice, kept from invoice events.
alter table core.invoices add column usage_cents bigint not null default 0;

-- One capacity snapshot per day.
create table core.capacity_snapshots (
  snapshot_date           date primary key,
  captured_at             timestamptz not null,
  tenants_total           integer not null,
  tenants_active          integer not null,
  tenants_trialing        integer not null,
  subscriptions_by_status jsonb not null,
  tier_distribution       jsonb not null,
  features                jsonb not null,
  storage_bytes           bigint not null,
  db_size_bytes           bigint not null
);
comment on table core.capacity_snapshots is
  'Daily platform capacity: tenants, subscriptions, tiers, usage against theoretical limits, sizes.';

alter table core.mrr_points enable row level security;
alter table core.revenue_months enable row level security;
alter table core.acquisition_spend enable row level security;
alter table core.capacity_snapshots enable row level security;

-- Subscription history is now written by a deferred trigger on subscriptions and add-ons
-- (sql/internal/tg_revenue_inputs__history.sql); the row trigger and its function go.
drop trigger if exists subscriptions__history on core.subscriptions;
drop function if exists internal.tg_subscriptions__history();
