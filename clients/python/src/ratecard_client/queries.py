"""Every statement SqlClient sends, in one place, with explicit casts so PostgreSQL picks
the intended function whatever the parameters' Python types. They call the same api.*
functions as the HTTP API's routes (api/queries.py in the Ratecard repository)."""

CHECK_QUOTA = "select api.check_quota(%s::uuid, %s::text, %s::bigint) as allowed"
CONSUME = (
    'select allowed, duplicate, used, "limit", remaining, state, resets_at'
    " from api.consume(%s::uuid, %s::text, %s::bigint, %s::text)"
)
RECORD_USAGE_BATCH = "select accepted, duplicates from api.record_usage_batch(%s::jsonb)"
CREATE_TENANT = "select api.create_tenant(%s::text, %s::text, %s::text) as tenant_id"
# percent_used as float8: numeric would arrive as Decimal.
_ENTITLEMENT = (
    'feature, kind, enabled, "limit", used, remaining, percent_used::float8 as percent_used,'
    " period_start, period_end, state, grace_until, source"
)
LIST_ENTITLEMENTS = f"select {_ENTITLEMENT} from api.list_entitlements(%s::uuid)"
GET_ENTITLEMENT = f"select {_ENTITLEMENT} from api.get_entitlement(%s::uuid, %s::text)"
TRACK_OBJECT = (
    'select allowed, duplicate, used, "limit", remaining, state'
    " from api.track_object(%s::uuid, %s::text, %s::bigint, %s::text)"
)
FORGET_OBJECT = "select api.forget_object(%s::uuid, %s::text) as released_bytes"
STORAGE_USAGE = "select category, objects, bytes from api.storage_usage(%s::uuid)"
