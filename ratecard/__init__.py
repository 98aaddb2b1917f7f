"""Ratecard: a PostgreSQL-native billing and entitlement engine.

This package is the shared Python glue: configuration, the embedded PostgreSQL cluster,
migrations, database connections and the `ratecard` command line.
"""

__version__ = "0.1.0"
