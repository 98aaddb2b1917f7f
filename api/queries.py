"""Every statement the HTTP layer sends, in one place, with explicit casts."""

SCHEMA_VERSION = "select api.schema_version() as version"

# Run as the authenticator login itself (no SET ROLE): the only business it may do.
AUTHENTICATE_KEY = "select key_id, role, tenant_id from api.authenticate_key(%s::text)"

CHECK_QUOTA = "select api.check_quota(%s::uuid, %s::text, %s::bigint) as allowed"
CHECK_QUOTA_MANY = (
    "select n, allowed from api.check_quota_many(%s::uuid[], %s::text[], %s::bigint[])"
)
CONSUME = "select * from api.consume(%s::uuid, %s::text, %s::bigint, %s::text)"
RECORD_USAGE_BATCH = "select * from api.record_usage_batch(%s::jsonb)"
# Entitlement rows; percent_used as a JSON number (numeric would be encoded as a string).
_ENTITLEMENT = (
    'feature, kind, enabled, "limit", used, remaining, percent_used::float8 as percent_used,'
    " period_start, period_end, state, grace_until, source"
)
LIST_ENTITLEMENTS = f"select {_ENTITLEMENT} from api.list_entitlements(%s::uuid)"
GET_ENTITLEMENT = f"select {_ENTITLEMENT} from api.get_entitlement(%s::uuid, %s::text)"
# As ratecard_tenant: RLS confines the view to the key's tenant.
MY_ENTITLEMENTS = f"select {_ENTITLEMENT}, overage, plan from api.entitlements order by feature"
CREATE_TENANT = "select api.create_tenant(%s::text, %s::text, %s::text) as tenant_id"
FEATURES = "select * from api.features order by code"
# Each plan with its limits as a JSON array (the view builds it; the order is this page's).
PLANS = "select * from api.plan_catalog order by sort_order, price_cents, code"
ADDONS = "select * from api.addons order by code"
TRACK_OBJECT = "select * from api.track_object(%s::uuid, %s::text, %s::bigint, %s::text)"
FORGET_OBJECT = "select api.forget_object(%s::uuid, %s::text) as released_bytes"
STORAGE_OVERVIEW = "select api.storage_overview(%s::uuid, %s::integer) as overview"
CREATE_UPLOAD = (
    "select * from api.create_upload(%s::uuid, %s::text, %s::bigint, %s::text, %s::text, %s::text)"
)
RECEIVE_S3_EVENTS = "select * from api.receive_s3_events(%s::jsonb, %s::text)"
STORAGE_RECONCILIATIONS = "select * from api.list_storage_reconciliations(%s::uuid, %s::integer)"
RECEIVE_STRIPE_EVENT = "select * from api.receive_stripe_event(%s::jsonb)"

DEFINE_FEATURE = (
    "select api.define_feature(%s::text, %s::text, %s::text, %s::text, %s::text, %s::boolean,"
    " %s::text)"
)
DEFINE_PLAN = (
    "select api.define_plan(%s::text, %s::text, %s::bigint, %s::text, %s::text, %s::boolean,"
    " %s::boolean, %s::boolean, %s::integer, %s::boolean, %s::bigint)"
)
# grace_seconds becomes an interval here, in SQL: a number of seconds past the interval's
# range is 22008 (422), not an overflow in Python.
SET_PLAN_LIMIT = (
    "select api.set_plan_limit(%s::text, %s::text, %s::bigint, %s::boolean, %s::text,"
    " %s::numeric, %s::bigint * interval '1 second', %s::boolean)"
)
SET_OVERRIDE = (
    "select api.set_override(%s::uuid, %s::text, %s::bigint, %s::boolean, %s::timestamptz)"
)
CLEAR_OVERRIDE = "select api.clear_override(%s::uuid, %s::text) as removed"
ASSIGN_PLAN = "select api.assign_plan(%s::uuid, %s::text, %s::integer)"
GRANT_ADDON = "select api.grant_addon(%s::uuid, %s::text, %s::integer)"
REVOKE_ADDON = "select api.revoke_addon(%s::uuid, %s::text) as revoked"
SET_TENANT_STATUS = "select * from api.set_tenant_status(%s::uuid, %s::text)"
STRIPE_EVENTS = "select * from api.list_stripe_events(%s::text, %s::integer)"
SUBSCRIPTIONS = "select * from api.list_subscriptions(%s::text, %s::integer)"
DISMISS_STRIPE_EVENT = "select * from api.dismiss_stripe_event(%s::text, %s::text)"
JOBS = "select * from api.jobs order by name"
JOB_RUNS = "select * from api.list_job_runs(%s::text, %s::text, %s::integer)"
ENQUEUE_JOB = (
    "select api.enqueue_job(%s::text, %s::jsonb, %s::timestamptz, %s::text) as run_id,"
    " %s::text as job"
)

# Billing (tenant keys). Reads run as ratecard_tenant under RLS; commands run as
# ratecard_service with the key's own tenant id.
MY_SUBSCRIPTION = "select * from api.subscription"
MY_INVOICES = "select * from api.invoices"
MY_ADDONS = "select * from api.tenant_addons"
# As ratecard_tenant: RLS confines the view to the key's tenant; the flags are the view's.
MY_USAGE = (
    'select feature, kind, enabled, current, "limit", percentage, is_unlimited, is_at_limit,'
    " is_approaching_limit, state, period_end, grace_until, categories, billed"
    " from api.usage_summary"
    " order by feature"
)
CHECKOUT_CONTEXT = (
    "select * from api.checkout_context(%s::uuid, %s::text, %s::text, %s::integer, %s::integer)"
)
PORTAL_CUSTOMER = "select api.portal_customer(%s::uuid) as customer"
REQUEST_PLAN_CHANGE = "select * from api.request_plan_change(%s::uuid, %s::text, %s::text)"
SUBSCRIPTION_ACTION = "select * from api.subscription_action(%s::uuid, %s::text, %s::integer)"
PREPARE_ADDON_PURCHASE = "select * from api.prepare_addon_purchase(%s::uuid, %s::text, %s::integer)"
CANCEL_ADDON = "select * from api.cancel_addon(%s::uuid, %s::text)"

# Metered billing (admin keys; api/routes/metering.py)
USAGE_DRIFT = "select * from api.list_usage_drift(%s::uuid, %s::boolean, %s::integer)"
USAGE_REPORTS = "select * from api.list_usage_reports(%s::uuid, %s::text, %s::integer)"
CORRECT_USAGE = (
    "select * from api.correct_usage(%s::uuid, %s::text, %s::bigint, %s::text, %s::text)"
)
RESOLVE_USAGE_REPORT = (
    "select * from api.resolve_usage_report(%s::uuid, %s::bigint, %s::text, %s::text)"
)

# Revenue and capacity analytics (admin keys; docs/analytics.md). Rates and ratios as JSON
# numbers (numeric would be encoded as strings); dates are UTC days.
_PERIODS = (
    "analytics.revenue_periods(%(interval)s::text,"
    " (%(from)s::date)::timestamp at time zone 'utc',"
    " (%(to)s::date)::timestamp at time zone 'utc')"
)
ANALYTICS_MRR = f"""
select r.period, r.currency, r.mrr_cents, r.mrr_cents * 12 as arr_cents, r.paying_customers,
       r.trial_mrr_cents
  from {_PERIODS} r
 where %(currency)s::text is null or r.currency = %(currency)s::text
 order by r.period, r.currency
"""
ANALYTICS_MOVEMENTS = f"""
select r.period, r.currency, r.mrr_start_cents, r.mrr_cents as mrr_end_cents, r.new_cents,
       r.expansion_cents, r.contraction_cents, r.churn_cents, r.reactivation_cents,
       r.net_cents, r.new_customers, r.expansion_customers, r.contraction_customers,
       r.churned_customers, r.reactivated_customers, r.paying_start,
       r.paying_customers as paying_end
  from {_PERIODS} r
 where %(currency)s::text is null or r.currency = %(currency)s::text
 order by r.period, r.currency
"""
ANALYTICS_KPIS = """
select currency, as_of, mrr_cents, arr_cents, paying_customers, arpa_cents,
       customer_churn_rate::float8 as customer_churn_rate,
       gross_mrr_churn_rate::float8 as gross_mrr_churn_rate,
       net_mrr_churn_rate::float8 as net_mrr_churn_rate, ltv_cents, cac_cents,
       ltv_cac_ratio::float8 as ltv_cac_ratio, cac_payback_months::float8 as cac_payback_months,
       trial_mrr_cents, usage_revenue_cents, rates_month, new_customers,
       acquisition_spend_cents, avg_customer_churn_rate_6m::float8 as avg_customer_churn_rate_6m
  from analytics.kpis
 where %(currency)s::text is null or currency = %(currency)s::text
"""
ANALYTICS_PLANS = """
select plan, status, currency, tenants, mrr_cents from analytics.plan_distribution
 where %(currency)s::text is null or currency = %(currency)s::text
"""
ANALYTICS_FORECAST = """
select month, currency, forecast_mrr_cents, slope_cents_per_month, months_used, horizon_months
  from analytics.revenue_forecast
 where %(currency)s::text is null or currency = %(currency)s::text
"""
SUBSCRIPTION_STATS = "select * from analytics.subscription_stats"
PLATFORM_HEALTH = "select analytics.platform_health() as report"
CAPACITY = "select api.measure_capacity() as capacity"
SUBSCRIPTION_CAPACITY = """
select jsonb_build_object('measured_at', c->'measured_at',
                          'total_subscriptions', c->'total_subscriptions',
                          'subscriptions_by_status', c->'subscriptions_by_status',
                          'tier_distribution', c->'tier_distribution',
                          'features', c->'features') as capacity
  from api.measure_capacity() c
"""
GROWTH_TRENDS = """
select jsonb_build_object(
         'period_days', %(days)s::integer,
         'snapshots_available', coalesce(max(g.snapshots), 0),
         'trends', coalesce(jsonb_object_agg(g.metric, to_jsonb(g) - 'metric')
                              filter (where g.metric is not null), '{}')) as trends
  from analytics.growth_trends(%(days)s::integer) g
"""
SCALING_RECOMMENDATIONS = "select * from analytics.scaling_recommendations"
CAPTURE_CAPACITY_SNAPSHOT = "select * from api.capture_capacity_snapshot()"
RECORD_ACQUISITION_SPEND = (
    "select * from api.record_acquisition_spend(%s::date, %s::text, %s::bigint, %s::text)"
)

# notifications (api/routes/notifications.py)
CREATE_WEBHOOK_ENDPOINT = (
    "select endpoint_id, tenant_id, url, event_types, description, secret, created_at"
    " from api.create_webhook_endpoint(%s::uuid, %s::text, %s::text[], %s::text)"
)
CREATE_PLATFORM_WEBHOOK_ENDPOINT = (
    "select endpoint_id, tenant_id, url, event_types, description, secret, created_at"
    " from api.create_platform_webhook_endpoint(%s::text, %s::text[], %s::text)"
)
MY_WEBHOOK_ENDPOINTS = "select * from api.webhook_endpoints"
WEBHOOK_ENDPOINTS = (
    "select * from api.webhook_endpoints"
    " where (%s::uuid is null or tenant_id = %s::uuid)"
    " and (%s::boolean is null or (tenant_id is null) = %s::boolean)"
)
DELETE_WEBHOOK_ENDPOINT = "select api.delete_webhook_endpoint(%s::uuid, %s::uuid) as endpoint_id"
ADMIN_DELETE_WEBHOOK_ENDPOINT = "select api.admin_delete_webhook_endpoint(%s::uuid) as endpoint_id"
ROTATE_WEBHOOK_SECRET = (
    "select endpoint_id, secret, previous_secret_until"  # noqa: S105 (a query)
    " from api.rotate_webhook_secret(%s::uuid, %s::uuid)"
)
ADMIN_ROTATE_WEBHOOK_SECRET = (
    "select endpoint_id, secret, previous_secret_until"  # noqa: S105 (a query)  # noqa: S105 (a query)
    " from api.admin_rotate_webhook_secret(%s::uuid)"
)
MY_NOTIFICATION_SETTINGS = "select * from api.notification_settings"
SET_NOTIFICATION_SETTINGS = (
    "select * from api.set_notification_settings(%s::uuid, %s::text[], %s::text[], %s::text[])"
)
MY_NOTIFICATIONS = (
    "select notification_id, kind, feature, period_start, threshold, payload, created_at,"
    " delivered_at from api.notifications limit 200"
)
MY_NOTIFICATION_DELIVERIES = "select * from api.notification_deliveries limit 200"
NOTIFICATION_DELIVERIES = (
    "select * from api.list_notification_deliveries(%s::text, %s::uuid, %s::text, %s::bigint,"
    " %s::integer)"
)
RESEND_NOTIFICATION = (
    "select %s::bigint as notification_id, api.resend_notification(%s::bigint) as queued"
)

# The admin API the dashboard needs (docs/http_api.md, admin routes).
FEATURE_CATALOG = "select category, feature_count, features from api.feature_catalog"
_LIMIT_SET = (
    'feature, category, kind, unit, "limit", enabled, overage, buffer_pct::float8 as buffer_pct,'
    " grace_seconds, per_seat"
)
GET_PLAN_LIMITS = f"select {_LIMIT_SET} from api.get_plan_limits(%s::text)"
REPLACE_PLAN_LIMITS = f"select {_LIMIT_SET} from api.replace_plan_limits(%s::text, %s::jsonb)"
TENANT_OVERRIDES = "select * from api.tenant_overrides(%s::uuid)"
REPLACE_OVERRIDES = "select * from api.replace_overrides(%s::uuid, %s::jsonb)"
DELETE_PLAN = "select api.delete_plan(%s::text) as deleted"
TENANT_DETAIL = "select api.tenant_detail(%s::uuid) as tenant"
CREATE_BILLING_SESSION = (
    "select token, expires_at from api.create_billing_session(%s::uuid, %s::integer, %s::text)"
)
REVOKE_BILLING_SESSIONS = "select api.revoke_billing_sessions(%s::uuid) as revoked"

# The billing page (api/pages/billing.py), as ratecard_service. Each statement resolves the
# session cookie with api.billing_session in FROM and does its work for that tenant, so a
# bad cookie runs nothing (RC035); the token is always the first parameter.
PAGE_OPEN_BILLING = "select token, expires_at from api.open_billing_session(%s::text)"
PAGE_BILLING = (
    "select api.billing_page(s.tenant_id, %s::text) as page, s.return_url, s.expires_at"
    " from api.billing_session(%s::text) s"
)
PAGE_END_BILLING = "select api.end_billing_session(%s::text) as ended"
PAGE_CHECKOUT = (
    "select s.tenant_id, c.* from api.billing_session(%s::text) s"
    " cross join lateral api.checkout_context(s.tenant_id, %s::text, %s::text, %s::integer,"
    " %s::integer) c"
)
PAGE_PORTAL = (
    "select api.portal_customer(s.tenant_id) as customer from api.billing_session(%s::text) s"
)
PAGE_CHANGE_PLAN = (
    "select r.* from api.billing_session(%s::text) s"
    " cross join lateral api.request_plan_change(s.tenant_id, %s::text, %s::text) r"
)
PAGE_SUBSCRIPTION_ACTION = (
    "select r.* from api.billing_session(%s::text) s"
    " cross join lateral api.subscription_action(s.tenant_id, %s::text, %s::integer) r"
)
PAGE_BUY_ADDON = (
    "select r.* from api.billing_session(%s::text) s"
    " cross join lateral api.prepare_addon_purchase(s.tenant_id, %s::text, %s::integer) r"
)
PAGE_CANCEL_ADDON = (
    "select r.* from api.billing_session(%s::text) s"
    " cross join lateral api.cancel_addon(s.tenant_id, %s::text) r"
)

# The admin pages (api/pages/admin.py), as ratecard_admin, with named parameters. Signing
# in runs as the authenticator (api.open_admin_session checks the key). Every other
# statement has the session in FROM and its work in the select list, which PostgreSQL
# evaluates only for the row api.admin_session returns, so a bad cookie runs nothing (RC035).
PAGE_ADMIN_SIGN_IN = "select token, expires_at from api.open_admin_session(%(key)s::text)"
PAGE_ADMIN_SIGN_OUT = "select api.end_admin_session(%(token)s::text) as ended"
_ADMIN = " from api.admin_session(%(token)s::text) s"
PAGE_ADMIN_OVERVIEW = "select api.admin_overview(%(currency)s::text) as page" + _ADMIN
PAGE_ADMIN_SUBSCRIPTIONS = (
    "select api.admin_subscriptions(%(status)s::text, %(plan)s::text, %(search)s::text,"
    " %(limit)s::integer, %(offset)s::integer) as page" + _ADMIN
)
PAGE_ADMIN_TENANT = "select api.admin_tenant(%(tenant)s::uuid) as page" + _ADMIN
PAGE_ADMIN_PLANS = "select api.admin_plans() as page" + _ADMIN
PAGE_ADMIN_PLAN = "select api.admin_plan(%(plan)s::text) as page" + _ADMIN
PAGE_ADMIN_EVENTS = "select api.admin_stripe_events(%(status)s::text) as page" + _ADMIN
PAGE_ADMIN_JOBS = "select api.admin_jobs() as page" + _ADMIN
PAGE_ADMIN_CAPACITY = "select api.admin_capacity() as page" + _ADMIN
# Plan details and Stripe prices in one transaction: the plan first (it may be new).
PAGE_ADMIN_SAVE_PLAN = (
    "with p as materialized (select api.define_plan(%(plan)s::text, %(name)s::text,"
    " %(price_cents)s::bigint, %(currency)s::text, %(interval)s::text, %(per_seat)s::boolean,"
    " null, %(is_public)s::boolean, %(trial_days)s::integer, %(active)s::boolean,"
    " %(annual_price_cents)s::bigint)" + _ADMIN + ")"
    " select api.set_plan_prices(%(plan)s::text, %(monthly)s::text, %(annual)s::text, null)"
    " from p"
)
PAGE_ADMIN_SAVE_LIMITS = (
    "select (select count(*) from api.replace_plan_limits(%(plan)s::text, %(limits)s::jsonb))"
    " as saved" + _ADMIN
)
PAGE_ADMIN_DELETE_PLAN = "select api.delete_plan(%(plan)s::text) as deleted" + _ADMIN
PAGE_ADMIN_SAVE_OVERRIDES = (
    "select (select count(*) from api.replace_overrides(%(tenant)s::uuid,"
    " %(overrides)s::jsonb)) as saved" + _ADMIN
)
PAGE_ADMIN_TENANT_STATUS = (
    "select (select to_jsonb(r) from api.set_tenant_status(%(tenant)s::uuid, %(status)s::text) r)"
    " as result" + _ADMIN
)
PAGE_ADMIN_ASSIGN_PLAN = (
    "select api.assign_plan(%(tenant)s::uuid, %(plan)s::text, %(seats)s::integer)" + _ADMIN
)
PAGE_ADMIN_GRANT_ADDON = (
    "select api.grant_addon(%(tenant)s::uuid, %(addon)s::text, %(quantity)s::integer)" + _ADMIN
)
PAGE_ADMIN_REVOKE_ADDON = (
    "select api.revoke_addon(%(tenant)s::uuid, %(addon)s::text) as revoked" + _ADMIN
)
PAGE_ADMIN_RUN_JOB = "select api.enqueue_job(%(job)s::text) as run_id" + _ADMIN
PAGE_ADMIN_DISMISS_EVENT = (
    "select (select to_jsonb(r) from api.dismiss_stripe_event(%(event)s::text, %(reason)s::text)"
    " r) as result" + _ADMIN
)
