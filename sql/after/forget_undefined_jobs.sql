-- Applied after every sql/jobs/ definition: a job whose file is gone is deleted (its queued
-- runs die; migrate then removes its pg_cron schedule). See internal.forget_undefined_jobs.
select internal.forget_undefined_jobs();
