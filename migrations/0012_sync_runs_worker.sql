-- Which process ran each sync (issue 18, workers): `host:pid`, set by every run (`sync`,
-- `schedule`, `worker`). NULL for runs recorded before this migration.
ALTER TABLE `sync_runs` ADD `worker` text;
--> statement-breakpoint
-- Each location's request window and daily count shared by every process (issue 18): used on
-- PostgreSQL (src/db/pg/rate-window.ts), kept on SQLite so both engines have the same tables.
CREATE TABLE `rate_window` (
	`location_id` text NOT NULL,
	`slot` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`location_id`, `slot`)
);
--> statement-breakpoint
CREATE TABLE `rate_daily` (
	`location_id` text NOT NULL,
	`day` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`location_id`, `day`)
);
