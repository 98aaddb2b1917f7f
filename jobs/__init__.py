"""Ratecard jobs: scripts that talk to Stripe and S3, the worker that runs them, schedules."""
