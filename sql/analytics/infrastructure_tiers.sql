-- analytics.infrastructure_tiers: what to run Ratecard on by number of tenants (seed 004's
-- scaling reference). A tier holds up to max_tenants; past it is the next tier's trigger.
-- From 300 tenants a cache sits in front of the read paths; past 1000 the database becomes
-- a cluster (tenant tables distributed by tenant_id, docs/architecture.md).
create or replace view analytics.infrastructure_tiers
with (security_invoker = true)
as
  select t.tier, t.name, t.min_tenants, t.max_tenants, t.vcpu, t.ram_gb, t.storage_gb,
         t.database, t.monthly_cost_eur
    from (values (1, 'Starter', 0, 50, 2, 4, 100, 'PostgreSQL', 30),
                 (2, 'Small', 51, 100, 4, 8, 250, 'PostgreSQL', 80),
                 (3, 'Medium', 101, 300, 4, 16, 500, 'PostgreSQL', 150),
                 (4, 'Large', 301, 500, 8, 32, 1000, 'PostgreSQL + cache', 350),
                 (5, 'X-Large', 501, 1000, 16, 64, 2000, 'PostgreSQL + cache', 700),
                 (6, 'Cluster', 1001, null, 32, 128, 4000, 'PostgreSQL cluster', 1500))
         t(tier, name, min_tenants, max_tenants, vcpu, ram_gb, storage_gb, database,
           monthly_cost_eur);

comment on view analytics.infrastructure_tiers is
  'Infrastructure to run by number of tenants (vCPU, RAM, storage, database, monthly cost).';
grant select on analytics.infrastructure_tiers to ratecard_admin;
