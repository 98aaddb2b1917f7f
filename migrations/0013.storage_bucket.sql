-- depends: 0012.notifications
--
-- Storage that matches the bucket (docs/storage.md): presigned uploads recorded as pending
-- until S3 confirms them, S3 event notifications applied in the order of their sequencers,
-- and an hourly reconciliation against a listing of the bucket.
--
-- core.storage_settings: the key layout (which part of an object key names the tenant and
-- the category), the names of the category segments, and how long uploads wait.
-- core.storage_objects gains what the bucket said about each object: its S3 sequencer
-- (events are ordered per key by it), the time S3 gives for the version known here
-- (modified_at), the size declared at upload (declared_bytes: an object larger than
-- declared is counted at its real size and shows as oversized) and change_seq, a number
-- from core.storage_change_seq taken at every write, so a reconciliation can leave alone
-- what changed after its listing started.
-- core.storage_uploads: pending uploads; their bytes are reserved in the storage_bytes
-- gauge until the object arrives (event or reconciliation) or the upload expires.
-- core.storage_tombstones: keys removed recently, with the sequencer of the removal, so a
-- late ObjectCreated older than the removal cannot bring the object back.
-- core.storage_categories: objects, bytes, pending uploads per tenant and category, kept
-- in step by triggers; core.storage_history: the same per UTC day (last value and peak).
-- core.storage_reconciliations and core.storage_reconciliation_tenants: every run of the
-- reconciliation and, per tenant with drift, what it found and fixed.

create sequence core.storage_change_seq;
comment on sequence core.storage_change_seq is
  'Stamps every write of stored objects, uploads and tombstones (reconciliation guard).';

create table core.storage_settings (
  id              boolean primary key default true check (id),
  key_layout      text not null default 'tenants/{tenant_id}/{category}/{rest}',
  category_names  jsonb not null default
    '{"upload": "upload", "attachment": "attachment", "export": "export",
      "profile_image": "profile_image", "backup": "backup"}',
  upload_seconds  integer not null default 900 check (upload_seconds between 60 and 604800),
  pending_seconds integer not null default 7200 check (pending_seconds between 60 and 2592000),
  tombstone_days  integer not null default 7 check (tombstone_days between 1 and 365),
  history_days    integer not null default 90 check (history_days between 1 and 3660),
  updated_at      timestamptz not null default now(),
  check (pending_seconds >= upload_seconds)
);
comment on table core.storage_settings is
  'One row: object key layout, category segment names, upload and pending lifetimes, retention.';
insert into core.storage_settings default values;

alter table core.storage_objects
  add column declared_bytes bigint check (declared_bytes >= 0),
  add column sequencer text check (sequencer ~ '^[0-9A-F]{1,64}$'),
  add column modified_at timestamptz,
  add column change_seq bigint not null default nextval('core.storage_change_seq');
-- The reconciliation walks keys in S3's order (UTF-8 bytes, collation "C").
create index storage_objects_key_c on core.storage_objects ((object_key collate "C"));

create table core.storage_uploads (
  tenant_id     uuid not null references core.tenants on delete cascade,
  object_key    text not null check (length(object_key) between 1 and 1024),
  size_bytes    bigint not null check (size_bytes >= 0),
  category      text not null check (category in ('upload', 'attachment', 'export',
                                                  'profile_image', 'backup')),
  content_type  text,
  created_at    timestamptz not null,
  expires_at    timestamptz not null,      -- the presigned POST's expiry
  pending_until timestamptz not null,      -- when the reservation is released
  change_seq    bigint not null default nextval('core.storage_change_seq'),
  primary key (tenant_id, object_key)
);
comment on table core.storage_uploads is
  'Pending uploads: bytes reserved in storage_bytes until S3 confirms the object or they expire.';
create index storage_uploads_pending_until on core.storage_uploads (pending_until);
create index storage_uploads_key_c on core.storage_uploads ((object_key collate "C"));

create table core.storage_tombstones (
  tenant_id   uuid not null references core.tenants on delete cascade,
  object_key  text not null,
  sequencer   text check (sequencer ~ '^[0-9A-F]{1,64}$'),
  removed_at  timestamptz,                 -- S3's time of the removal, when known
  recorded_at timestamptz not null,
  change_seq  bigint not null default nextval('core.storage_change_seq'),
  primary key (tenant_id, object_key)
);
comment on table core.storage_tombstones is
  'Recently removed keys and the sequencer of their removal, so older events cannot revive them.';
create index storage_tombstones_recorded on core.storage_tombstones (recorded_at);

create table core.storage_categories (
  tenant_id         uuid not null references core.tenants on delete cascade,
  category          text not null,
  objects           bigint not null default 0,
  bytes             bigint not null default 0,
  pending_objects   bigint not null default 0,
  pending_bytes     bigint not null default 0,
  oversized_objects bigint not null default 0,
  updated_at        timestamptz not null,
  primary key (tenant_id, category)
);
comment on table core.storage_categories is
  'Objects, bytes and pending uploads per tenant and category, kept in step by triggers.';

create table core.storage_history (
  tenant_id  uuid not null references core.tenants on delete cascade,
  day        date not null,
  category   text not null,
  objects    bigint not null,
  bytes      bigint not null,
  peak_bytes bigint not null,
  primary key (tenant_id, day, category)
);
comment on table core.storage_history is
  'Per tenant, UTC day and category: objects and bytes at the end of the day (so far), and the peak.';
create index storage_history_day on core.storage_history (day);

create table core.storage_reconciliations (
  id                   bigint generated always as identity primary key,
  scope_tenant_id      uuid,               -- one tenant, or null: the whole bucket
  bucket               text not null,
  prefix               text not null default '',
  dry_run              boolean not null,
  status               text not null check (status in ('running', 'succeeded', 'failed',
                                                          'abandoned')),
  job_run_id           bigint,
  change_mark          bigint not null,
  started_at           timestamptz not null,
  updated_at           timestamptz not null,
  finished_at          timestamptz,
  pages                integer not null default 0,
  last_key             text,
  listed_objects       bigint not null default 0,
  listed_bytes         bigint not null default 0,
  objects_before       bigint not null default 0,
  bytes_before         bigint not null default 0,
  objects_after        bigint,
  bytes_after          bigint,
  tenants              integer not null default 0,
  added                bigint not null default 0,
  removed              bigint not null default 0,
  corrected            bigint not null default 0,
  confirmed            bigint not null default 0,
  oversized            bigint not null default 0,
  skipped              bigint not null default 0,
  unattributed         bigint not null default 0,
  unattributed_bytes   bigint not null default 0,
  unattributed_sample  jsonb not null default '[]',
  error                text
);
comment on table core.storage_reconciliations is
  'Runs of the storage reconciliation: scope, progress through the listing, what it found.';
create index storage_reconciliations_started on core.storage_reconciliations (started_at desc);

create table core.storage_reconciliation_tenants (
  tenant_id          uuid not null references core.tenants on delete cascade,
  reconciliation_id  bigint not null references core.storage_reconciliations on delete cascade,
  objects_before     bigint not null,
  bytes_before       bigint not null,
  objects_after      bigint,
  bytes_after        bigint,
  added              bigint not null default 0,
  added_bytes        bigint not null default 0,
  removed            bigint not null default 0,
  removed_bytes      bigint not null default 0,
  corrected          bigint not null default 0,
  corrected_bytes    bigint not null default 0,
  confirmed          bigint not null default 0,
  oversized          bigint not null default 0,
  unattributed       bigint not null default 0,
  unattributed_bytes bigint not null default 0,
  primary key (tenant_id, reconciliation_id)
);
comment on table core.storage_reconciliation_tenants is
  'Per reconciliation run, each tenant with drift: before and after, added, removed, corrected.';
create index storage_reconciliation_tenants_run
  on core.storage_reconciliation_tenants (reconciliation_id);

-- The per-category figures of what is already stored.
insert into core.storage_categories (tenant_id, category, objects, bytes, updated_at)
select tenant_id, category, count(*), sum(size_bytes), now()
  from core.storage_objects group by tenant_id, category;

alter table core.storage_settings enable row level security;
alter table core.storage_uploads enable row level security;
alter table core.storage_tombstones enable row level security;
alter table core.storage_categories enable row level security;
alter table core.storage_history enable row level security;
alter table core.storage_reconciliations enable row level security;
alter table core.storage_reconciliation_tenants enable row level security;
