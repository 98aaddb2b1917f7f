-- core.billing_sessions: hashes of billing page links and sessions. No role reads it
-- directly: api.create_billing_session, api.open_billing_session, api.billing_session,
-- api.end_billing_session and api.revoke_billing_sessions (security definer) are the way
-- in. RLS is on with no policy: nothing is visible.
revoke all on core.billing_sessions from ratecard_tenant, ratecard_service, ratecard_admin;
