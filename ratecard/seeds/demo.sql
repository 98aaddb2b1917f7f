-- The demo catalog: the plans of the designs Ratecard starts from, and three tenants.
-- Safe to run again: every call is an upsert and tenants are created only once by name.

-- Features
select api.define_feature('members', 'gauge', p_unit => 'members', p_name => 'Team members',
                          p_category => 'team');
select api.define_feature('ai_decisions', 'metered', 'month', 'decisions', 'AI decisions',
                          p_category => 'ai');
select api.define_feature('ai_tokens', 'metered', 'billing_period', 'tokens', 'AI tokens',
                          p_category => 'ai');
select api.define_feature('storage_bytes', 'gauge', p_unit => 'bytes', p_name => 'Storage',
                          p_category => 'data');
select api.define_feature('api_calls', 'metered', 'month', 'calls', 'API calls per month',
                          p_category => 'api');
select api.define_feature('api_calls_hourly', 'metered', 'hour', 'calls',
                          'API calls per hour (rate limit)', p_durable => false,
                          p_category => 'api');
select api.define_feature('data_retention_days', 'gauge', p_unit => 'days',
                          p_name => 'Data retention', p_category => 'data');
select api.define_feature('email_addresses', 'gauge', p_unit => 'addresses',
                          p_name => 'Email addresses', p_category => 'email');
select api.define_feature('sso', 'switch', p_name => 'Single sign-on (SAML/OIDC)',
                          p_category => 'security');
select api.define_feature('priority_support', 'switch', p_name => 'Priority support',
                          p_category => 'support');
select api.define_feature('custom_domain', 'switch', p_name => 'Custom domain',
                          p_category => 'email');

-- Plans (prices in cents; the yearly prices shown when sold annually: two months free)
select api.define_plan('starter', 'Starter', 0, p_is_default => true);
select api.define_plan('pro', 'Pro', 4900, p_per_seat => true, p_trial_days => 14,
                       p_annual_price_cents => 49000);
select api.define_plan('enterprise', 'Enterprise', 49900, p_annual_price_cents => 499000);

-- Starter: free
select api.set_plan_limit('starter', 'members', 3);
select api.set_plan_limit('starter', 'ai_decisions', 100);
select api.set_plan_limit('starter', 'ai_tokens', 100000);
select api.set_plan_limit('starter', 'storage_bytes', 5 * 1024 * 1024, true, 'soft', 5, '7 days');
select api.set_plan_limit('starter', 'api_calls', 1000);
select api.set_plan_limit('starter', 'api_calls_hourly', 100);
select api.set_plan_limit('starter', 'data_retention_days', 30);
select api.set_plan_limit('starter', 'email_addresses', 1);
select api.set_plan_limit('starter', 'sso', null, false);
select api.set_plan_limit('starter', 'priority_support', null, false);
select api.set_plan_limit('starter', 'custom_domain', null, false);

-- Pro: $49 per seat a month; 5,000,000 AI tokens bundled, then billed overage
select api.set_plan_limit('pro', 'members', 10);
select api.set_plan_limit('pro', 'ai_decisions', 10000);
select api.set_plan_limit('pro', 'ai_tokens', 5000000, true, 'bill');
select api.set_plan_limit('pro', 'storage_bytes', 100 * 1024 * 1024, true, 'soft', 5, '7 days');
select api.set_plan_limit('pro', 'api_calls', 10000);
select api.set_plan_limit('pro', 'api_calls_hourly', 1000);
select api.set_plan_limit('pro', 'data_retention_days', 365);
select api.set_plan_limit('pro', 'email_addresses', 5);
select api.set_plan_limit('pro', 'sso', null, false);
select api.set_plan_limit('pro', 'priority_support', null, false);
select api.set_plan_limit('pro', 'custom_domain', null, false);

-- Enterprise: unlimited, SSO, priority support
select api.set_plan_limit('enterprise', f.code, null)
  from core.features f;

-- Billed AI tokens, the designs' two models (docs/stripe.md, "Metered billing"):
-- Model A on Pro: 5,000,000 tokens a period bundled, then $5 per million (0.0005 cents a
-- token; a graduated tiered price in Stripe). Model B on Enterprise: pay as you go,
-- $0.00002 a token (0.002 cents; nothing included, a flat unit price).
select api.set_overage_price('pro', 'ai_tokens', 0.0005);
select api.set_plan_limit('enterprise', 'ai_tokens', 0, true, 'bill');
select api.set_overage_price('enterprise', 'ai_tokens', 0.002);

-- Add-ons
select api.define_addon('extra_emails', 'Five more email addresses', 500);
select api.set_addon_grant('extra_emails', 'email_addresses', 5);
select api.define_addon('custom_domain', 'Custom domain', 1000);
select api.set_addon_grant('custom_domain', 'custom_domain', 1);

-- Tenants
select api.create_tenant(t.name, t.email, t.plan)
  from (values ('Acme Corp', 'billing@acme.example', null),
               ('Globex', 'finance@globex.example', 'pro'),
               ('Initech', 'ap@initech.example', 'enterprise')) t(name, email, plan)
 where not exists (select from core.tenants x where x.name = t.name);
select api.assign_plan(t.tenant_id, 'pro', 3)
  from core.tenants t
 where t.name = 'Globex'
   and not exists (select from core.subscriptions s where s.tenant_id = t.tenant_id and s.seats = 3);
