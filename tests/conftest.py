"""The test harness lives in tests/harness.py, a plugin shared with the Python client's
tests (clients/python/tests): one cluster, one migrated template, a clone per test."""

pytest_plugins = ["tests.harness", "tests.s3"]
