-- api.invoices: invoice history the caller may see (a tenant: its own), newest first.
create or replace view api.invoices
with (security_invoker = true)
as
  select i.tenant_id, i.invoice_id, i.number, i.status, i.currency, i.amount_due,
         i.amount_paid, i.amount_remaining, i.total, i.hosted_invoice_url, i.invoice_pdf,
         i.period_start, i.period_end, i.created_at, i.paid_at, i.attempt_count,
         i.next_payment_attempt
    from core.invoices i
   order by i.created_at desc nulls last, i.invoice_id;

comment on view api.invoices is 'Invoices kept from Stripe events, newest first.';
grant select on api.invoices to ratecard_tenant, ratecard_admin;
