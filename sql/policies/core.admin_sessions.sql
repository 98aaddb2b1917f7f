-- core.admin_sessions: hashes of admin dashboard sessions. No role reads it directly:
-- api.open_admin_session, api.admin_session and api.end_admin_session (security definer)
-- are the way in. RLS is on with no policy: nothing is visible.
revoke all on core.admin_sessions from ratecard_tenant, ratecard_service, ratecard_admin;
