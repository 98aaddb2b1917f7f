-- core.api_keys: hashes of API keys. No role reads it directly; api.authenticate_key
-- (security definer) is the only way in. RLS is on with no policy: nothing is visible.
revoke all on core.api_keys from ratecard_tenant, ratecard_service, ratecard_admin;
