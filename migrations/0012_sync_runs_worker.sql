-- Which process ran each sync (issue 18, workers): `host:pid`, set by every run (`sync`,
-- `schedule`, `worker`). NULL for runs recorded before this migration.
ALTER TABLE `sync_runs` ADD `worker` text;
