CREATE TABLE `contact_custom_fields` (
	`contact_id` text NOT NULL,
	`field_id` text NOT NULL,
	`value` text,
	`value_type` text NOT NULL,
	PRIMARY KEY(`contact_id`, `field_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contact_custom_fields_field_idx` ON `contact_custom_fields` (`field_id`);--> statement-breakpoint
CREATE TABLE `contact_tags` (
	`contact_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`contact_id`, `tag`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contact_tags_tag_idx` ON `contact_tags` (`tag`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`location_id` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`name` text,
	`email` text,
	`phone` text,
	`company_name` text,
	`business_id` text,
	`source` text,
	`type` text,
	`assigned_to` text,
	`dnd` integer DEFAULT 0 NOT NULL,
	`address1` text,
	`city` text,
	`state` text,
	`postal_code` text,
	`country` text,
	`timezone` text,
	`date_of_birth` text,
	`date_added` text,
	`date_updated` text,
	`raw` text NOT NULL,
	`synced_at` text NOT NULL,
	`run_id` integer,
	`deleted_at` text,
	`children_synced_at` text,
	`children_date_updated` text,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "contacts_dnd_check" CHECK("contacts"."dnd" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `contacts_location_deleted_idx` ON `contacts` (`location_id`,`deleted_at`);--> statement-breakpoint
CREATE INDEX `contacts_email_idx` ON `contacts` (`email`);--> statement-breakpoint
CREATE INDEX `contacts_date_updated_idx` ON `contacts` (`date_updated`);--> statement-breakpoint
CREATE INDEX `contacts_run_idx` ON `contacts` (`location_id`,`run_id`);--> statement-breakpoint
CREATE TABLE `custom_fields` (
	`id` text PRIMARY KEY NOT NULL,
	`location_id` text NOT NULL,
	`name` text NOT NULL,
	`field_key` text,
	`data_type` text,
	`raw` text NOT NULL,
	`synced_at` text NOT NULL,
	`run_id` integer,
	`deleted_at` text,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `custom_fields_location_deleted_idx` ON `custom_fields` (`location_id`,`deleted_at`);--> statement-breakpoint
CREATE TABLE `export_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`segment` text NOT NULL,
	`path` text,
	`rows` integer,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text DEFAULT 'running' NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE TABLE `locations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`company_id` text,
	`raw` text NOT NULL,
	`synced_at` text NOT NULL,
	`run_id` integer
);
--> statement-breakpoint
CREATE TABLE `locks` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`pid` integer NOT NULL,
	`hostname` text NOT NULL,
	`acquired_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notes` (
	`id` text PRIMARY KEY NOT NULL,
	`contact_id` text NOT NULL,
	`location_id` text NOT NULL,
	`body` text,
	`user_id` text,
	`date_added` text,
	`raw` text NOT NULL,
	`synced_at` text NOT NULL,
	`run_id` integer,
	`deleted_at` text,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `notes_contact_idx` ON `notes` (`contact_id`);--> statement-breakpoint
CREATE INDEX `notes_location_deleted_idx` ON `notes` (`location_id`,`deleted_at`);--> statement-breakpoint
CREATE TABLE `oauth_tokens` (
	`location_id` text PRIMARY KEY NOT NULL,
	`user_type` text NOT NULL,
	`company_id` text,
	`scopes` text,
	`access_token_enc` text,
	`refresh_token_enc` text,
	`expires_at` text,
	`status` text DEFAULT 'ok' NOT NULL,
	`status_message` text,
	`version` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "oauth_tokens_user_type_check" CHECK("oauth_tokens"."user_type" IN ('Location', 'Company')),
	CONSTRAINT "oauth_tokens_status_check" CHECK("oauth_tokens"."status" IN ('ok', 'needs_reauth', 'inactive'))
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`location_id` text NOT NULL,
	`mode` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text DEFAULT 'running' NOT NULL,
	`contacts_seen` integer DEFAULT 0 NOT NULL,
	`contacts_new` integer DEFAULT 0 NOT NULL,
	`contacts_updated` integer DEFAULT 0 NOT NULL,
	`contacts_deleted` integer DEFAULT 0 NOT NULL,
	`tasks` integer DEFAULT 0 NOT NULL,
	`notes` integer DEFAULT 0 NOT NULL,
	`api_calls` integer DEFAULT 0 NOT NULL,
	`retries` integer DEFAULT 0 NOT NULL,
	`rate_limited` integer DEFAULT 0 NOT NULL,
	`error` text,
	CONSTRAINT "sync_runs_status_check" CHECK("sync_runs"."status" IN ('running', 'ok', 'failed', 'interrupted', 'budget'))
);
--> statement-breakpoint
CREATE INDEX `sync_runs_location_idx` ON `sync_runs` (`location_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `sync_state` (
	`location_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`location_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`contact_id` text NOT NULL,
	`location_id` text NOT NULL,
	`title` text,
	`body` text,
	`due_date` text,
	`completed` integer DEFAULT 0 NOT NULL,
	`assigned_to` text,
	`raw` text NOT NULL,
	`synced_at` text NOT NULL,
	`run_id` integer,
	`deleted_at` text,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tasks_completed_check" CHECK("tasks"."completed" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `tasks_contact_idx` ON `tasks` (`contact_id`);--> statement-breakpoint
CREATE INDEX `tasks_location_deleted_idx` ON `tasks` (`location_id`,`deleted_at`);