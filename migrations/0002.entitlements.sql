-- depends: 0001.clock
--
-- The entitlement and metering engine's tables.
--
-- Catalog (shared, small): features, plans, plan_limits, addons, addon_grants.
-- Tenant-owned (every key starts with tenant_id, the Citus distribution column):
-- tenants, subscriptions, overrides, tenant_addons, entitlements, meters, volatile_meters,
-- usage_events (partitioned by month), idempotency_keys, notifications, storage_objects.
-- RLS is enabled on every table here; policies and grants live in sql/policies/.

-- ---------------------------------------------------------------- catalog

create table core.features (
  code        text primary key
              check (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  kind        text not null check (kind in ('switch', 'metered', 'gauge')),
  reset       text check (reset in ('hour', 'day', 'month', 'billing_period')),
  unit        text check (length(unit) <= 32),
  name        text not null check (length(name) between 1 and 200),
  -- false: the counter lives in an UNLOGGED table and writes no ledger events (rate limits).
  durable     boolean not null default true,
  created_at  timestamptz not null default now(),
  check ((kind = 'metered') = (reset is not null)),
  check (durable or kind = 'metered')
);
comment on table core.features is 'What can be limited: switch (on/off), metered (resets), gauge (level).';

create table core.plans (
  code             text primary key check (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  name             text not null check (length(name) between 1 and 200),
  price_cents      bigint not null check (price_cents >= 0),
  currency         text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  billing_interval text not null default 'month' check (billing_interval in ('month', 'year')),
  per_seat         boolean not null default false,
  is_public        boolean not null default true,
  active           boolean not null default true,
  is_default       boolean not null default false,
  trial_days       integer check (trial_days between 0 and 365),
  stripe_product_id       text,
  stripe_price_monthly_id text,
  stripe_price_annual_id  text,
  sort_order       integer not null default 0,
  created_at       timestamptz not null default now()
);
comment on table core.plans is 'Tiers. Exactly one may be is_default: the free plan of tenants without a paid subscription.';
create unique index plans_one_default on core.plans (is_default) where is_default;

create table core.plan_limits (
  plan        text not null references core.plans (code) on update cascade,
  feature     text not null references core.features (code) on update cascade,
  limit_value bigint check (limit_value >= 0),            -- null: unlimited
  enabled     boolean not null default true,
  overage     text not null default 'block' check (overage in ('block', 'soft', 'bill')),
  buffer_pct  numeric(6, 2) not null default 0 check (buffer_pct between 0 and 1000),
  grace       interval check (grace >= interval '0'),
  per_seat    boolean not null default false,              -- limit is per purchased seat
  primary key (plan, feature)
);
comment on table core.plan_limits is 'A plan''s limit per feature; absence means the feature is disabled on that plan.';
create index plan_limits_feature on core.plan_limits (feature);

create table core.addons (
  code              text primary key check (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  name              text not null check (length(name) between 1 and 200),
  price_cents       bigint not null default 0 check (price_cents >= 0),
  currency          text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  billing_interval  text not null default 'month' check (billing_interval in ('month', 'year')),
  active            boolean not null default true,
  stripe_price_monthly_id text,
  stripe_price_annual_id  text,
  created_at        timestamptz not null default now()
);
comment on table core.addons is 'Purchasable extras that grant quantity of features (extra emails, custom domain).';

create table core.addon_grants (
  addon    text not null references core.addons (code) on update cascade on delete cascade,
  feature  text not null references core.features (code) on update cascade,
  quantity bigint not null check (quantity >= 0),
  primary key (addon, feature)
);
comment on table core.addon_grants is 'How much of a feature one unit of an add-on adds.';

-- ---------------------------------------------------------------- tenants

create table core.tenants (
  tenant_id          uuid primary key default gen_random_uuid(),
  name               text not null check (length(name) between 1 and 200),
  email              text check (length(email) <= 320 and email ~ '^[^@\s]+@[^@\s]+$'),
  stripe_customer_id text unique,
  status             text not null default 'active' check (status in ('active', 'suspended')),
  created_at         timestamptz not null default now()
);
comment on table core.tenants is 'Customer workspaces.';

create table core.subscriptions (
  tenant_id              uuid primary key references core.tenants on delete cascade,
  plan                   text not null references core.plans (code) on update cascade,
  status                 text not null default 'active'
                         check (status in ('trialing', 'active', 'past_due', 'unpaid',
                                           'canceled', 'incomplete')),
  seats                  integer not null default 1 check (seats between 1 and 100000),
  billing_interval       text not null default 'month' check (billing_interval in ('month', 'year')),
  current_period_start   timestamptz not null default now(),
  current_period_end     timestamptz,
  trial_end              timestamptz,
  cancel_at_period_end   boolean not null default false,
  scheduled_plan         text references core.plans (code) on update cascade,
  scheduled_at           timestamptz,
  stripe_subscription_id text unique,
  stripe_item_id         text,
  updated_at             timestamptz not null default now()
);
comment on table core.subscriptions is 'The one current subscription per tenant (none: default plan).';
create index subscriptions_plan on core.subscriptions (plan);

create table core.overrides (
  tenant_id   uuid not null references core.tenants on delete cascade,
  feature     text not null references core.features (code) on update cascade,
  limit_value bigint check (limit_value >= 0),             -- null: unlimited
  enabled     boolean not null default true,
  expires_at  timestamptz,
  reason      text check (length(reason) <= 500),
  created_at  timestamptz not null default now(),
  primary key (tenant_id, feature)
);
comment on table core.overrides is 'Per-tenant limits that replace plan and add-ons until they expire.';

create table core.tenant_addons (
  tenant_id      uuid not null references core.tenants on delete cascade,
  addon          text not null references core.addons (code) on update cascade,
  quantity       integer not null default 1 check (quantity between 1 and 100000),
  status         text not null default 'active' check (status in ('active', 'canceled')),
  ends_at        timestamptz,                              -- set when cancelled at period end
  stripe_item_id text,
  created_at     timestamptz not null default now(),
  primary key (tenant_id, addon)
);
comment on table core.tenant_addons is 'Add-ons a tenant holds; grants count while active and not ended.';

-- Materialised entitlement inputs per (tenant, feature): the plan limit with seats and
-- add-ons applied, plus any override. Kept in step by triggers on every input table, so
-- check_quota reads one row. Override expiry is resolved at read time.
create table core.entitlements (
  tenant_id        uuid not null references core.tenants on delete cascade,
  feature          text not null references core.features (code) on update cascade on delete cascade,
  kind             text not null,
  reset            text,
  durable          boolean not null,
  plan             text,                                   -- null: no plan at all
  base_enabled     boolean not null,
  base_limit       bigint,
  addon_quantity   bigint not null default 0,
  overage          text not null,
  buffer_pct       numeric(6, 2) not null,
  grace            interval,
  period_anchor    timestamptz,
  period_interval  text,
  override_enabled boolean,
  override_limit   bigint,
  override_expires_at timestamptz,
  primary key (tenant_id, feature)
);
create index entitlements_plan on core.entitlements (plan);
comment on table core.entitlements is 'Derived: effective limit inputs per tenant and feature (see internal.refresh_entitlements).';

-- ---------------------------------------------------------------- metering

create table core.meters (
  tenant_id    uuid not null references core.tenants on delete cascade,
  feature      text not null references core.features (code) on update cascade,
  period_start timestamptz not null,                        -- '-infinity' for gauges
  used         bigint not null default 0 check (used >= 0),
  over_since   timestamptz,                                 -- first passed the limit (grace)
  updated_at   timestamptz not null default now(),
  primary key (tenant_id, feature, period_start)
) with (fillfactor = 80);
comment on table core.meters is 'Usage per tenant, feature and period; a new period is a new row starting at zero.';

-- Rate-limit windows: same shape, UNLOGGED. They are lost in a crash (a window restarts at
-- zero), which is acceptable for hourly rate limits and makes hot counters cheap.
create unlogged table core.volatile_meters (
  tenant_id    uuid not null references core.tenants on delete cascade,
  feature      text not null references core.features (code) on update cascade,
  period_start timestamptz not null,
  used         bigint not null default 0 check (used >= 0),
  over_since   timestamptz,
  updated_at   timestamptz not null default now(),
  primary key (tenant_id, feature, period_start)
) with (fillfactor = 70);
comment on table core.volatile_meters is 'Non-durable meters (features with durable = false): hourly rate limits.';

-- Append-only usage ledger, partitioned by month of occurred_at
-- (internal.maintain_usage_partitions creates months ahead; the default partition catches
-- anything else, so an insert never fails for want of a partition).
create table core.usage_events (
  tenant_id       uuid not null,
  feature         text not null,
  amount          bigint not null,
  occurred_at     timestamptz not null,
  recorded_at     timestamptz not null default now(),
  idempotency_key text,
  properties      jsonb not null default '{}'
) partition by range (occurred_at);
comment on table core.usage_events is 'Append-only ledger of every counted unit; meters are its running sums.';
create table core.usage_events_default partition of core.usage_events default;
create index usage_events_tenant on core.usage_events (tenant_id, feature, occurred_at);

-- Idempotency keys of consume and record_usage, with the outcome to replay.
create table core.idempotency_keys (
  tenant_id     uuid not null references core.tenants on delete cascade,
  key           text not null check (length(key) between 1 and 255),
  feature       text not null,
  amount        bigint not null,
  allowed       boolean,
  used          bigint,
  limit_value   bigint,
  remaining     bigint,
  state         text,
  created_at    timestamptz not null default now(),
  primary key (tenant_id, key)
);
comment on table core.idempotency_keys is 'One row per idempotency key: the first outcome, replayed for duplicates.';
create index idempotency_keys_created on core.idempotency_keys (created_at);

-- Outbox of notifications (thresholds now; billing events later). Delivered by the worker.
create table core.notifications (
  notification_id bigint generated always as identity,
  tenant_id    uuid not null references core.tenants on delete cascade,
  kind         text not null,
  feature      text,
  period_start timestamptz,
  threshold    integer,
  payload      jsonb not null default '{}',
  created_at   timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (tenant_id, notification_id)
);
comment on table core.notifications is 'Outbox: one row per event to tell a tenant about (threshold crossings, ...).';
create unique index notifications_threshold_once
  on core.notifications (tenant_id, feature, period_start, threshold)
  where kind = 'threshold';
create index notifications_undelivered on core.notifications (created_at) where delivered_at is null;

-- ---------------------------------------------------------------- storage

create table core.storage_objects (
  tenant_id  uuid not null references core.tenants on delete cascade,
  object_key text not null check (length(object_key) between 1 and 1024),
  size_bytes bigint not null check (size_bytes >= 0),
  category   text not null check (category in ('upload', 'attachment', 'export',
                                               'profile_image', 'backup')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, object_key)
);
comment on table core.storage_objects is 'One row per stored object; their sizes feed the storage_bytes gauge.';
create index storage_objects_category on core.storage_objects (tenant_id, category);

-- ---------------------------------------------------------------- API keys

create table core.api_keys (
  key_id      text primary key check (key_id ~ '^[a-z0-9]{8,32}$'),
  secret_hash bytea not null,                               -- sha256 of the secret part
  role        text not null check (role in ('service', 'tenant', 'admin')),
  tenant_id   uuid references core.tenants on delete cascade,
  name        text not null check (length(name) between 1 and 200),
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz,
  check ((role = 'tenant') = (tenant_id is not null))
);
comment on table core.api_keys is 'HTTP API keys, stored hashed. Shown once at creation.';

alter table core.features enable row level security;
alter table core.plans enable row level security;
alter table core.plan_limits enable row level security;
alter table core.addons enable row level security;
alter table core.addon_grants enable row level security;
alter table core.tenants enable row level security;
alter table core.subscriptions enable row level security;
alter table core.overrides enable row level security;
alter table core.tenant_addons enable row level security;
alter table core.entitlements enable row level security;
alter table core.meters enable row level security;
alter table core.volatile_meters enable row level security;
alter table core.usage_events enable row level security;
alter table core.usage_events_default enable row level security;
alter table core.idempotency_keys enable row level security;
alter table core.notifications enable row level security;
alter table core.storage_objects enable row level security;
alter table core.api_keys enable row level security;
