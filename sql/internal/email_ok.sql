-- internal.email_ok(): the one rule for an e-mail address Ratecard stores or writes to:
-- at most 320 characters, something@something without spaces, and no character a person
-- cannot see (internal.unprintable). Deliberately loose beyond that: the mail server is
-- the judge of an address; this only keeps garbage and look-alikes out. Used by
-- api.create_tenant, api.create_tenants (every element in one statement, where
-- PostgreSQL inlines it) and api.set_notification_settings. Null for null.
create or replace function internal.email_ok(p_email text)
returns boolean
language sql
immutable
parallel safe
as $$
  select pg_catalog.length(p_email) <= 320 and p_email ~ '^[^@\s]+@[^@\s]+$'
         and not internal.unprintable(p_email)
$$;

comment on function internal.email_ok(text) is
  'True if the e-mail address is at most 320 characters, x@y without spaces and printable.';
