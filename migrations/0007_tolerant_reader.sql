CREATE TABLE `answer_drift` (
	`location_id` text NOT NULL,
	`operation` text NOT NULL,
	`field` text NOT NULL,
	`problem` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`first_seen` text NOT NULL,
	`last_seen` text NOT NULL,
	PRIMARY KEY(`location_id`, `operation`, `field`, `problem`)
);
--> statement-breakpoint
CREATE TABLE `mirror_repairs` (
	`location_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`location_id`, `contact_id`)
);
