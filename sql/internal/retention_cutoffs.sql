-- internal.retention_cutoffs(): per tenant, the time before which its usage events are past
-- retention: now minus the effective limit of the retention feature (a gauge counted in
-- days, `data_retention_days` in the demo catalog), from core.entitlements (override when
-- live, else the plan's). Tenants for whom it is unlimited (null), disabled, or not
-- defined have no row: everything of theirs is kept.
--
-- No SET clause (it is not security definer, and every name in it is qualified), so that
-- PostgreSQL inlines it into the purge's statement: a purge step then reads only as many
-- tenants as it needs to find its batch, instead of working out every tenant's cutoff
-- before it deletes anything (bench/RESULTS.md, "Retention purge under load").
create or replace function internal.retention_cutoffs(p_feature text)
returns table (tenant_id uuid, cutoff timestamptz)
language sql
stable
as $$
  select x.tenant_id, internal.now() - pg_catalog.make_interval(days => x.days::integer)
    from (select e.tenant_id,
                 case when internal.override_live(e.override_enabled, e.override_expires_at,
                                                  internal.now())
                      then e.override_enabled else e.base_enabled end as enabled,
                 case when internal.override_live(e.override_enabled, e.override_expires_at,
                                                  internal.now())
                      then e.override_limit else e.base_limit end as days
            from core.entitlements e
           where e.feature = p_feature) x
   where x.enabled and x.days is not null
$$;

comment on function internal.retention_cutoffs(text) is
  'Per tenant with a finite retention: the time before which its usage events may go.';
