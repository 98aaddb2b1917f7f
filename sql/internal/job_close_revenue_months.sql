-- internal.job_close_revenue_months(): the close_revenue_months job (daily):
-- api.close_revenue_months materialises ended months' MRR movements and levels
-- (docs/analytics.md). Result: {"closed": n}.
create or replace function internal.job_close_revenue_months(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('closed', api.close_revenue_months());
end
$$;

comment on function internal.job_close_revenue_months(jsonb) is
  'Job close_revenue_months: materialise ended months of revenue analytics.';
