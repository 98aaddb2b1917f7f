"""Every statement the HTTP layer sends, in one place, with explicit casts."""

SCHEMA_VERSION = "select api.schema_version() as version"
