-- The shared request window names whose reservations are whose (issue 18; used on PostgreSQL,
-- migrations/pg/0010, kept here so both engines have the same tables). Unused on SQLite, so the
-- table is made again rather than copied (SQLite cannot change a primary key in place).
DROP TABLE `rate_window`;
--> statement-breakpoint
CREATE TABLE `rate_window` (
	`location_id` text NOT NULL,
	`slot` integer NOT NULL,
	`holder` text DEFAULT '' NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`location_id`, `slot`, `holder`)
);
