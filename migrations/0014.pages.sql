-- depends: 0013.storage_bucket
--
-- The tenant billing page and the admin dashboard (docs/pages.md), and the admin API they
-- need.
--
-- Features carry a category, so the catalog can be shown grouped (AI, storage, support…).
-- Existing features land in 'general' until an administrator files them.
--
-- Plans may show a yearly price beside the price of their own interval: the billing page's
-- monthly/annual toggle needs the amount the annual Stripe price charges, which Ratecard
-- otherwise never stores (it sells by price id). Display only: MRR keeps coming from
-- Stripe's unit amounts (docs/analytics.md).
--
-- Page sessions live here, not in a secret only the API process knows: a host application
-- asks for a billing link (api.create_billing_session), the link's secret is exchanged once
-- for a session cookie (api.open_billing_session), and every page request resolves the
-- cookie in SQL (api.billing_session). Only SHA-256 hashes of the secrets are stored, each
-- row is bound to one tenant and expires, and a tenant's sessions can be revoked. A token
-- names its tenant (`<tenant id>.<secret>`), so rows are keyed by tenant_id like every
-- tenant-owned table. Administrators sign in with an admin API key into the same kind of
-- session (core.admin_sessions), which ends when the key is revoked.

alter table core.features
  add column category text not null default 'general'
    check (category ~ '^[a-z][a-z0-9_]{0,62}$');
create index features_category on core.features (category, code);

alter table core.plans
  add column annual_price_cents bigint check (annual_price_cents >= 0);
comment on column core.plans.annual_price_cents is
  'The yearly price shown for a monthly plan sold yearly (display only; null: 12 x price_cents).';

create table core.billing_sessions (
  tenant_id       uuid not null references core.tenants on delete cascade,
  link_hash       bytea not null,                -- sha256 of the link's secret
  link_expires_at timestamptz not null,
  opened_at       timestamptz,                   -- the link was exchanged (once)
  session_hash    bytea,                         -- sha256 of the cookie's secret
  expires_at      timestamptz,                   -- the session's end, once opened
  ended_at        timestamptz,                   -- signed out or revoked
  return_url      text check (length(return_url) <= 2000),
  created_at      timestamptz not null,
  primary key (tenant_id, link_hash),
  check ((opened_at is null) = (session_hash is null)),
  check ((session_hash is null) = (expires_at is null))
);
comment on table core.billing_sessions is
  'Billing page links and the sessions opened from them (hashes only), one tenant each.';
create unique index billing_sessions_session
  on core.billing_sessions (tenant_id, session_hash) where session_hash is not null;

create table core.admin_sessions (
  key_id       text not null references core.api_keys on delete cascade,
  session_hash bytea not null,                   -- sha256 of the cookie's secret
  created_at   timestamptz not null,
  expires_at   timestamptz not null,
  ended_at     timestamptz,                      -- signed out
  primary key (key_id, session_hash)
);
comment on table core.admin_sessions is
  'Admin dashboard sessions opened with an admin API key (hashes only).';

alter table core.billing_sessions enable row level security;
alter table core.admin_sessions enable row level security;
