-- Applied last on every migrate: make sure the usage ledger has its monthly partitions
-- from this month to three months ahead (see internal.maintain_usage_partitions).
select internal.maintain_usage_partitions(3);
