-- internal.write_mrr_points(): write the MRR timeline that follows from one history row
-- (the tenant's revenue facts from p_at on) into core.mrr_points: a point at p_at and one at
-- every known future end (an item, a discount, the subscription) where the value changes.
-- Points after p_at belonged to an earlier row's schedule and were still in the future, so
-- deleting them never changes a figure for a time already past.
--
-- MRR counts while the status is active or past_due; trial MRR while trialing; both stop
-- at the subscription's end (a cancellation at the period end). Each point keeps the value
-- before it and the first instant the tenant paid in its currency, so levels are sums of
-- local deltas and a movement can tell a new customer from a reactivated one.
create or replace function internal.write_mrr_points(
  p_tenant_id uuid, p_history_id bigint, p_at timestamptz, p_status text, p_currency text,
  p_items jsonb, p_discounts jsonb, p_ends_at timestamptz
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_at timestamptz;
  v_full bigint;
  v_mrr bigint;
  v_trial bigint;
  v_prev core.mrr_points;
  v_first timestamptz;
begin
  delete from core.mrr_points p where p.tenant_id = p_tenant_id and p.at >= p_at;
  for v_at in
    select p_at
    union
    select (i->>'ends_at')::timestamptz from jsonb_array_elements(coalesce(p_items, '[]')) i
     where (i->>'ends_at')::timestamptz > p_at
    union
    select (d->>'ends_at')::timestamptz from jsonb_array_elements(coalesce(p_discounts, '[]')) d
     where (d->>'ends_at')::timestamptz > p_at
    union
    select p_ends_at where p_ends_at > p_at
    order by 1
  loop
    v_full := case when p_ends_at is not null and v_at >= p_ends_at then 0
                   else internal.revenue_at(p_items, p_discounts, v_at) end;
    v_mrr := case when p_status in ('active', 'past_due') then v_full else 0 end;
    v_trial := case when p_status = 'trialing' then v_full else 0 end;
    v_prev := null;
    select * into v_prev from core.mrr_points p
     where p.tenant_id = p_tenant_id and p.at < v_at order by p.at desc limit 1;
    -- nothing changes: the same currency and values, or zero before and after
    if (v_mrr = 0 and v_trial = 0 and coalesce(v_prev.mrr_cents, 0) = 0
        and coalesce(v_prev.trial_mrr_cents, 0) = 0)
       or (v_prev.currency, v_prev.mrr_cents, v_prev.trial_mrr_cents)
          is not distinct from (p_currency, v_mrr, v_trial) then
      continue;
    end if;
    select min(p.at) into v_first from core.mrr_points p
     where p.tenant_id = p_tenant_id and p.currency = p_currency and p.mrr_cents > 0
       and p.at < v_at;
    if v_first is null and v_mrr > 0 then
      v_first := v_at;
    end if;
    insert into core.mrr_points (tenant_id, at, history_id, currency, mrr_cents, trial_mrr_cents,
                                 prev_currency, prev_mrr_cents, prev_trial_mrr_cents, first_paid_at)
    values (p_tenant_id, v_at, p_history_id, p_currency, v_mrr, v_trial, v_prev.currency,
            coalesce(v_prev.mrr_cents, 0), coalesce(v_prev.trial_mrr_cents, 0), v_first);
  end loop;
end
$$;

comment on function internal.write_mrr_points(uuid, bigint, timestamptz, text, text, jsonb, jsonb, timestamptz) is
  'Write the MRR timeline that follows from one history row into core.mrr_points.';
