-- The analytics schema (revenue views) is rebuilt on every migrate; only admins read it.
grant usage on schema analytics to ratecard_admin;
comment on schema analytics is 'Ratecard revenue and capacity views (admin only).';
