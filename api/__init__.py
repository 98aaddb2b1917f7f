"""Ratecard HTTP API: a thin Litestar layer, one SQL call per route."""
