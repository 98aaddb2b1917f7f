-- depends: 0014.pages
--
-- The notify_grace job looks only at meters that are over their limit right now
-- (over_since is set while usage is past the limit, cleared when it falls back under): a
-- small partial index instead of a scan of every meter of every period.
create index meters_over_limit on core.meters (over_since) where over_since is not null;
