-- depends: 0003.billing
--
-- consume and record_usage share the idempotency key table; remember which operation a
-- key was first used for, so a key reused across them is RC006 instead of a wrong replay.
alter table core.idempotency_keys
  add column operation text not null default 'consume' check (operation in ('consume', 'record'));
update core.idempotency_keys set operation = 'record' where used is null and allowed;

comment on table core.tenant_addons is
  'Add-ons a tenant holds; their grants count while status is active.';
