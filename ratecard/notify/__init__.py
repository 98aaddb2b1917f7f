"""Notification delivery: what the worker's deliver_notifications job (jobs/notifications.py)
uses to send the outbox's deliveries, and what the HTTP layer uses to check webhook URLs.

* config.py     NotifySettings from the environment (RATECARD_ENV, RATECARD_PUBLIC_URL,
                RATECARD_SMTP_URL, RATECARD_MAIL_FROM)
* urls.py       where a webhook may go (https; no private, loopback or link-local
                addresses outside development mode), checked on every send
* webhooks.py   Standard Webhooks: sign (standardwebhooks) and POST to a pinned address
* mail.py       SMTP (STARTTLS, TLS, auth from the URL), or .eml files without an SMTP URL
* render.py     the Jinja2 templates in templates/: subject, plain text and HTML per type

Every rule about what is sent when (who gets what, retries, ordering, 410) lives in SQL
(docs/notifications.md); this package only renders and moves bytes.
"""
