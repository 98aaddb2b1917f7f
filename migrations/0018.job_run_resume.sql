-- depends: 0017.ingest
--
-- Where a SQL job's next step starts. A job that works through a large table in bounded
-- steps (purge_retention: one batch of rows per step, each its own transaction) returns
-- `"resume": <position>` with `"more": true`; api.step_job_run keeps that position here and
-- hands it to the next step as the argument `resume`, so each step starts where the last
-- one stopped instead of reading again from the start what is already done.
alter table core.job_runs add column resume jsonb;
comment on column core.job_runs.resume is
  'Position the next step of this run starts from (set by the job''s previous step).';
