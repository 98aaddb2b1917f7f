-- internal.job_report_usage(): the report_usage job (every 10 minutes by default; the
-- cadence is its schedule: api.set_job_schedule('report_usage', '*/5 * * * *')). One step
-- claims the unreported billed usage of up to {"tenants": 100} tenants, each tenant in
-- internal.claim_usage_reports (one report per feature and billing period), and asks for a
-- send_usage_reports run per tenant with pending reports (deduplicated per tenant while one
-- is queued or running). The last step also asks for tenants whose reports are still
-- pending from an earlier run that failed. Result: {"tenants": n, "reports": n,
-- "sends_queued": n}.
create or replace function internal.job_report_usage(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_batch integer := coalesce((p_args->>'tenants')::integer, 100);
  v_tenants uuid[];
  v_reports integer := 0;
  v_queued integer := 0;
  v_tenant uuid;
begin
  if v_batch < 1 then
    raise exception 'tenants must be 1 or more' using errcode = 'RC005';
  end if;
  select coalesce(array_agg(x.tenant_id), '{}') into v_tenants
    from (select distinct u.tenant_id
            from core.usage_events u
            join core.tenants t
              on t.tenant_id = u.tenant_id and t.stripe_customer_id is not null
            join core.features f on f.code = u.feature and f.stripe_meter_id is not null
           where u.billed and u.report_id is null and u.occurred_at <= v_now
           limit v_batch) x;
  foreach v_tenant in array v_tenants loop
    v_reports := v_reports + internal.claim_usage_reports(v_tenant);
  end loop;
  for v_tenant in
    select distinct r.tenant_id from core.usage_reports r
     where r.status = 'pending'
       and (r.tenant_id = any (v_tenants) or cardinality(v_tenants) < v_batch)
  loop
    perform internal.enqueue_job('send_usage_reports',
                                 pg_catalog.jsonb_build_object('tenant_id', v_tenant), null,
                                 'tenant:' || v_tenant::text, 'report_usage');
    v_queued := v_queued + 1;
  end loop;
  return pg_catalog.jsonb_build_object('tenants', cardinality(v_tenants), 'reports', v_reports,
                                       'sends_queued', v_queued,
                                       'more', cardinality(v_tenants) = v_batch);
end
$$;

comment on function internal.job_report_usage(jsonb) is
  'Job report_usage: claim billed usage into reports, tenant by tenant; queue their sending.';
