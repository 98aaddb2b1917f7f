-- depends: 0002.entitlements
--
-- Subscriptions kept in step with Stripe: webhook events stored once, the state each
-- subscription snapshot and each payment attempt says, invoices, and a history of every
-- subscription change with MRR before and after (read by the revenue views).
--
-- Ordering of Stripe events: Stripe does not deliver in order. Every fact is stored with
-- the `created` time of the event that carried it, and a fact only replaces an older fact
-- of the same kind (the newest subscription snapshot wins; payment attempts are kept as
-- rows). The effective status is derived from those facts, so any delivery order, with any
-- duplicates, ends in the same state as in-order delivery.

create table core.billing_config (
  id                  boolean primary key default true check (id),
  dunning_grace       interval not null default interval '7 days',
  default_trial_days  integer not null default 14 check (default_trial_days between 0 and 365)
);
comment on table core.billing_config is
  'One row: how long features stay after a failed payment, default trial length.';
insert into core.billing_config (id) values (true);

alter table core.subscriptions
  add column stripe_status     text,                 -- as the newest snapshot says
  add column stripe_event_at   timestamptz,          -- created time of that snapshot's event
  add column cancel_reason     text,                 -- cancellation_details.reason
  add column canceled_at       timestamptz,
  add column past_due_since    timestamptz,          -- first unresolved payment failure
  add column restricted        boolean not null default false;  -- dunning: free-plan limits

create table core.stripe_events (
  event_id     text primary key check (event_id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
  type         text not null check (length(type) between 1 and 100),
  created_at   timestamptz not null,                 -- Stripe's event.created
  livemode     boolean not null default false,
  object_id    text,
  tenant_id    uuid references core.tenants on delete set null,
  payload      jsonb not null,
  received_at  timestamptz not null default now(),
  status       text not null default 'pending'
               check (status in ('pending', 'applied', 'ignored', 'stale',
                                 'unknown_customer', 'failed')),
  attempts     integer not null default 0,
  applied_at   timestamptz,
  last_error   text
);
comment on table core.stripe_events is
  'Every Stripe webhook event, stored once by id, with what applying it did.';
create index stripe_events_retry on core.stripe_events (received_at)
  where status in ('pending', 'failed', 'unknown_customer');
create index stripe_events_tenant on core.stripe_events (tenant_id, created_at);

create table core.payment_attempts (
  tenant_id     uuid not null references core.tenants on delete cascade,
  event_id      text not null,
  invoice_id    text not null,
  attempted_at  timestamptz not null,                -- the event's created time
  succeeded     boolean not null,
  amount_cents  bigint,
  currency      text,
  attempt_count integer,
  primary key (tenant_id, event_id)
);
comment on table core.payment_attempts is
  'Invoice payment outcomes from Stripe, one row per event (dunning reads them).';

create table core.invoices (
  tenant_id          uuid not null references core.tenants on delete cascade,
  invoice_id         text not null,
  subscription_id    text,
  number             text,
  status             text,
  currency           text,
  amount_due         bigint,
  amount_paid        bigint,
  amount_remaining   bigint,
  total              bigint,
  hosted_invoice_url text,
  invoice_pdf        text,
  period_start       timestamptz,
  period_end         timestamptz,
  created_at         timestamptz,
  paid_at            timestamptz,
  attempt_count      integer,
  next_payment_attempt timestamptz,
  stripe_event_at    timestamptz not null,
  primary key (tenant_id, invoice_id)
);
comment on table core.invoices is 'Invoice history kept from Stripe invoice events (newest event wins).';

create table core.subscription_history (
  tenant_id        uuid not null references core.tenants on delete cascade,
  history_id       bigint generated always as identity,
  changed_at       timestamptz not null default now(),
  plan_before      text,
  plan_after       text,
  status_before    text,
  status_after     text,
  seats_before     integer,
  seats_after      integer,
  interval_before  text,
  interval_after   text,
  mrr_before_cents bigint not null default 0,
  mrr_after_cents  bigint not null default 0,
  currency         text,
  primary key (tenant_id, history_id)
);
comment on table core.subscription_history is
  'Append-only: every change of a subscription''s plan, status, seats or interval, with MRR.';
create index subscription_history_changed on core.subscription_history (changed_at);

alter table core.billing_config enable row level security;
alter table core.stripe_events enable row level security;
alter table core.payment_attempts enable row level security;
alter table core.invoices enable row level security;
alter table core.subscription_history enable row level security;
