-- depends: 0007.snapshot_rank
--
-- api.consume answers when the period it counted in ends (`resets_at`), so a caller can
-- tell a user when an exhausted quota or an hourly rate limit opens again (HTTP
-- Retry-After and RateLimit-Reset). A replay of an idempotency key answers the first
-- call's outcome, so the key row keeps that moment too. Keys stored before this change
-- replay with a null resets_at.
alter table core.idempotency_keys add column resets_at timestamptz;
