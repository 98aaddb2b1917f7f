-- depends: 0011.jobs
--
-- Notification delivery: the outbox (core.notifications) reaches people by email and
-- systems by signed webhooks (docs/notifications.md).
--
-- core.webhook_endpoints: where webhooks go. A tenant's own endpoint (tenant_id set) or a
-- platform-wide one an administrator registered (tenant_id null: every tenant's events).
-- The signing secrets are stored as they are, because the worker must sign with them
-- (HMAC needs the key itself, a hash would not do); no runtime role may read those two
-- columns (column privileges in sql/policies/core.webhook_endpoints.sql), only the
-- worker's claim function (security definer) hands them to the worker. Endpoints are
-- removed softly (deleted_at) so past deliveries keep their target.
--
-- core.notification_settings: a tenant's preferences: extra email recipients and which
-- notification types go by email and by webhook (null: every type). No row: every type
-- by email to the tenant's billing email, and to every endpoint that asks for it.
--
-- core.notification_deliveries: one row per (outbox row, channel, target), planned in the
-- transaction that writes the outbox row, so each is sent once (a crash between sending
-- and recording re-sends it once, with the same ids: webhook-id and Message-ID come from
-- delivery_id). core.notification_attempts: one row per attempt (started when claimed,
-- finished when recorded; a worker killed in between leaves it unfinished).

create table core.webhook_endpoints (
  endpoint_id uuid primary key default gen_random_uuid(),
  -- null: platform-wide (an administrator's endpoint receiving every tenant's events)
  tenant_id uuid references core.tenants on delete cascade,
  url text not null check (length(url) between 10 and 2000),
  -- the notification types it receives; empty: every type
  event_types text[] not null default '{}',
  description text check (length(description) <= 500),
  secret text not null check (secret ~ '^whsec_[A-Za-z0-9+/=]{24,}$'),
  -- after a rotation the old secret signs too, until previous_secret_until
  previous_secret text check (previous_secret ~ '^whsec_[A-Za-z0-9+/=]{24,}$'),
  previous_secret_until timestamptz,
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  created_at timestamptz not null,
  deleted_at timestamptz
);
comment on table core.webhook_endpoints is
  'Webhook endpoints of a tenant, or platform-wide (tenant_id null); secrets never readable.';
create index webhook_endpoints_tenant on core.webhook_endpoints (tenant_id)
  where deleted_at is null;

create table core.notification_settings (
  tenant_id uuid primary key references core.tenants on delete cascade,
  extra_recipients text[] not null default '{}',
  -- null: every type; otherwise only these types go by that channel
  email_types text[],
  webhook_types text[],
  updated_at timestamptz not null
);
comment on table core.notification_settings is
  'Per-tenant notification preferences: extra recipients, types by email and by webhook.';

create table core.notification_deliveries (
  tenant_id uuid not null,
  delivery_id uuid not null default gen_random_uuid(),
  notification_id bigint not null,
  kind text not null,
  channel text not null check (channel in ('email', 'webhook')),
  -- an email address, or a webhook endpoint's id
  target text not null check (length(target) between 1 and 320),
  endpoint_id uuid references core.webhook_endpoints on delete cascade,
  -- sent to a platform-wide endpoint: the administrator's, not shown to the tenant
  platform boolean not null default false,
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'succeeded', 'failed', 'canceled')),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 8 check (max_attempts between 1 and 100),
  next_attempt_at timestamptz,
  worker text,
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null,
  finished_at timestamptz,
  primary key (tenant_id, delivery_id),
  unique (tenant_id, notification_id, channel, target),
  foreign key (tenant_id, notification_id)
    references core.notifications (tenant_id, notification_id) on delete cascade,
  check ((channel = 'webhook') = (endpoint_id is not null))
);
comment on table core.notification_deliveries is
  'One delivery per outbox row, channel and target: status, attempts, last outcome.';
create index notification_deliveries_due on core.notification_deliveries (next_attempt_at)
  where status = 'pending';
create index notification_deliveries_lease on core.notification_deliveries (lease_until)
  where status = 'sending';
-- per-tenant order of an endpoint's webhooks: the head of each queue is the oldest unsettled
create index notification_deliveries_queue
  on core.notification_deliveries (tenant_id, endpoint_id, notification_id)
  where status in ('pending', 'sending');
create index notification_deliveries_notification
  on core.notification_deliveries (notification_id);
create index notification_deliveries_failed on core.notification_deliveries (created_at)
  where status = 'failed';

create table core.notification_attempts (
  tenant_id uuid not null,
  delivery_id uuid not null,
  attempt integer not null check (attempt >= 1),
  worker text not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  -- succeeded, retry (another attempt is scheduled), failed (the last), null: never recorded
  outcome text check (outcome in ('succeeded', 'retry', 'failed')),
  status_code integer,
  error text,
  primary key (tenant_id, delivery_id, attempt),
  foreign key (tenant_id, delivery_id)
    references core.notification_deliveries (tenant_id, delivery_id) on delete cascade
);
comment on table core.notification_attempts is
  'Every delivery attempt: when, by which worker, the answer (status code or error).';

alter table core.webhook_endpoints enable row level security;
alter table core.notification_settings enable row level security;
alter table core.notification_deliveries enable row level security;
alter table core.notification_attempts enable row level security;
