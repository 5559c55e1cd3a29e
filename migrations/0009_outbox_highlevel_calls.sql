-- The outbox also holds the HighLevel calls the bridge owes (issue 20, `bridge.onNewContact`):
-- a new lead's contact enrolled in workflows, added to campaigns, given followers, each at most
-- once. SQLite cannot alter a CHECK constraint, so the table is rebuilt with the wider one.
CREATE TABLE `__new_outbox` (
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
	CONSTRAINT "outbox_status_check" CHECK("__new_outbox"."status" IN ('pending', 'done', 'dead', 'unknown')),
	CONSTRAINT "outbox_kind_check" CHECK("__new_outbox"."kind" IN ('leadcars.createLead', 'leadcars.comment', 'highlevel.addToWorkflow', 'highlevel.addToCampaign', 'highlevel.addFollowers'))
);
--> statement-breakpoint
INSERT INTO `__new_outbox`("id", "kind", "dedupe_key", "payload", "status", "attempts", "next_attempt_at", "sending_since", "last_error", "result", "created_at", "updated_at")
  SELECT "id", "kind", "dedupe_key", "payload", "status", "attempts", "next_attempt_at", "sending_since", "last_error", "result", "created_at", "updated_at" FROM `outbox`;--> statement-breakpoint
DROP TABLE `outbox`;--> statement-breakpoint
ALTER TABLE `__new_outbox` RENAME TO `outbox`;--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe_key_unique` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);
