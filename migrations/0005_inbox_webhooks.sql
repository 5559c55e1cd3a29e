CREATE TABLE `inbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`received_at` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`contact_id` text,
	`lead_id` text,
	`delivered_at` text,
	CONSTRAINT "inbox_status_check" CHECK("inbox"."status" IN ('pending', 'delivered', 'failed', 'waiting'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_dedupe_key_unique` ON `inbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `inbox_status_idx` ON `inbox` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`webhook_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`location_id` text,
	`received_at` text NOT NULL,
	`payload` text NOT NULL,
	`applied_at` text
);
--> statement-breakpoint
CREATE INDEX `webhook_events_type_idx` ON `webhook_events` (`type`,`received_at`);