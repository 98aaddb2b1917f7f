-- internal.rebuild_mrr_points(): recompute core.mrr_points from core.subscription_history
-- alone, in one statement: every history row's timeline (a point at the change, one at each
-- known future end) up to the tenant's next row, points that change nothing dropped. It
-- gives what the triggers wrote row by row (a test checks it), so the timeline is derived
-- data that history can always rebuild; the benchmark uses it to load history in bulk.
create or replace function internal.rebuild_mrr_points()
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_count bigint;
begin
  delete from core.mrr_points;
  insert into core.mrr_points (tenant_id, at, history_id, currency, mrr_cents, trial_mrr_cents,
                               prev_currency, prev_mrr_cents, prev_trial_mrr_cents,
                               first_paid_at)
  with h as (
    select x.*, lead(x.changed_at) over (partition by x.tenant_id
                                         order by x.changed_at, x.history_id) as next_at
      from core.subscription_history x
  ), bp as (
    select h.tenant_id, h.history_id, h.status_after, h.currency, h.items, h.discounts,
           h.ends_at, b.at
      from h
     cross join lateral (
       select h.changed_at as at
       union
       select (i->>'ends_at')::timestamptz from jsonb_array_elements(h.items) i
        where (i->>'ends_at')::timestamptz > h.changed_at
       union
       select (d->>'ends_at')::timestamptz from jsonb_array_elements(h.discounts) d
        where (d->>'ends_at')::timestamptz > h.changed_at
       union
       select h.ends_at where h.ends_at > h.changed_at) b
     where h.next_at is null or b.at < h.next_at
  ), v as (
    select bp.tenant_id, bp.at, bp.history_id, bp.currency,
           case when bp.status_after in ('active', 'past_due') then f.full else 0 end as mrr,
           case when bp.status_after = 'trialing' then f.full else 0 end as trial
      from bp
     cross join lateral (
       select case when bp.ends_at <= bp.at then 0
                   else internal.revenue_at(bp.items, bp.discounts, bp.at) end as full) f
  ), w as (
    select v.*, lag(v.currency) over t as pc, coalesce(lag(v.mrr) over t, 0) as pm,
           coalesce(lag(v.trial) over t, 0) as pt
      from v
    window t as (partition by v.tenant_id order by v.at)
  ), kept as (
    select w.tenant_id, w.at, w.history_id, w.currency, w.mrr, w.trial
      from w
     where not ((w.mrr = 0 and w.trial = 0 and w.pm = 0 and w.pt = 0)
                or (w.pc is not distinct from w.currency and w.pm = w.mrr and w.pt = w.trial))
  )
  select k.tenant_id, k.at, k.history_id, k.currency, k.mrr, k.trial,
         lag(k.currency) over t, coalesce(lag(k.mrr) over t, 0), coalesce(lag(k.trial) over t, 0),
         min(k.at) filter (where k.mrr > 0)
           over (partition by k.tenant_id, k.currency order by k.at)
    from kept k
  window t as (partition by k.tenant_id order by k.at);
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function internal.rebuild_mrr_points() is
  'Recompute core.mrr_points from core.subscription_history (derived data; returns the row count).';
