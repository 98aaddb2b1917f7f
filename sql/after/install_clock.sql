-- Applied on every migrate: internal.now() was just redefined as the running clock by
-- sql/internal/now.sql; if core.clock holds a frozen instant, put it back
-- (see internal.install_clock).
select internal.install_clock();
