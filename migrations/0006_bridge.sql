CREATE TABLE `lead_links` (
	`contact_id` text NOT NULL,
	`lead_id` text NOT NULL,
	`location_id` text NOT NULL,
	`linked_at` text NOT NULL,
	`last_status` text,
	`last_temperature` text,
	`last_action_at` text,
	`polled_at` text,
	PRIMARY KEY(`contact_id`, `lead_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lead_links_lead_id_unique` ON `lead_links` (`lead_id`);--> statement-breakpoint
CREATE TABLE `lead_reported` (
	`object_type` text NOT NULL,
	`object_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`version` text NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`deleted` integer DEFAULT 0 NOT NULL,
	`reported_at` text NOT NULL,
	PRIMARY KEY(`object_type`, `object_id`)
);
--> statement-breakpoint
CREATE INDEX `lead_reported_contact_idx` ON `lead_reported` (`contact_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`sending_since` text,
	`last_error` text,
	`result` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "outbox_status_check" CHECK("outbox"."status" IN ('pending', 'done', 'dead', 'unknown')),
	CONSTRAINT "outbox_kind_check" CHECK("outbox"."kind" IN ('leadcars.createLead', 'leadcars.comment'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe_key_unique` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);
