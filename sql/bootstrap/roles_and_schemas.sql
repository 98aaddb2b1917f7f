-- Roles, schemas and default privileges: the frame every migration and definition sits in.
--
-- Run by `ratecard db migrate` as the connecting administrator (a superuser on the embedded
-- cluster) before the versioned migrations. Idempotent: every statement checks first.
--
--   ratecard_owner          owns every object and runs migrations; never used at run time
--   ratecard_service        trusted backend services: executes api.*, passes tenant ids
--   ratecard_tenant         tenant-scoped reads, confined by RLS to ratecard.tenant_id
--   ratecard_admin          catalog management and analytics
--   ratecard_authenticator  LOGIN NOINHERIT: the HTTP pool's login, switches with SET LOCAL ROLE
--   ratecard_scheduler      LOGIN, no password, member of ratecard_service: the role pg_cron
--                           runs Ratecard's schedules as (a background worker needs a role
--                           that may log in; without a password nothing else logs in as it)

do $$
declare
  v_role text;
begin
  foreach v_role in array array['ratecard_owner', 'ratecard_service', 'ratecard_tenant',
                                'ratecard_admin'] loop
    if not exists (select from pg_catalog.pg_roles where rolname = v_role) then
      execute format('create role %I nologin', v_role);
    end if;
  end loop;
  if not exists (select from pg_catalog.pg_roles where rolname = 'ratecard_authenticator') then
    create role ratecard_authenticator login noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'ratecard_scheduler') then
    create role ratecard_scheduler login;
  end if;
end
$$;

grant ratecard_service, ratecard_tenant, ratecard_admin to ratecard_authenticator;
grant ratecard_service to ratecard_scheduler;

-- The owner creates schemas in this database; nobody else gets anything by default.
do $$
begin
  execute format('grant create, connect, temporary on database %I to ratecard_owner',
                 current_database());
  execute format('grant connect on database %I to ratecard_authenticator', current_database());
  execute format('grant connect on database %I to ratecard_scheduler', current_database());
  execute format('revoke all on database %I from public', current_database());
end
$$;

revoke all on schema public from public;

-- Whoever runs migrations must be able to act as the owner (yoyo connects with role=owner).
do $$
begin
  if not pg_catalog.pg_has_role(current_user, 'ratecard_owner', 'member') then
    execute format('grant ratecard_owner to %I', current_user);
  end if;
end
$$;


create schema if not exists core authorization ratecard_owner;
create schema if not exists internal authorization ratecard_owner;
create schema if not exists api authorization ratecard_owner;
create schema if not exists analytics authorization ratecard_owner;
-- yoyo's bookkeeping tables live here, away from public.
create schema if not exists ratecard_meta authorization ratecard_owner;

alter default privileges for role ratecard_owner revoke execute on functions from public;
alter default privileges for role ratecard_owner revoke usage on types from public;

