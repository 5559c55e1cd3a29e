CREATE TABLE `users` (
	`id` text NOT NULL,
	`location_id` text NOT NULL,
	`name` text,
	`email` text,
	`raw` text NOT NULL,
	`synced_at` text NOT NULL,
	`run_id` integer,
	`deleted_at` text,
	PRIMARY KEY(`location_id`, `id`),
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `locations` ADD `timezone` text;--> statement-breakpoint
CREATE INDEX `contacts_children_due_idx` ON `contacts` (`location_id`,`deleted_at`,`children_synced_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_children_changed_idx` ON `contacts` (`location_id`,`children_synced_at`,`id`) WHERE children_synced_at IS NOT NULL AND children_date_updated IS NOT date_updated;--> statement-breakpoint
-- open_tasks gains the assignee's name from `users` (hand-added to the generated migration).
DROP VIEW IF EXISTS `open_tasks`;
--> statement-breakpoint
CREATE VIEW `open_tasks` AS
SELECT
  t.id AS id,
  t.location_id AS location_id,
  t.contact_id AS contact_id,
  t.title AS title,
  t.body AS body,
  t.due_date AS due_date,
  t.assigned_to AS assigned_to,
  (SELECT u.name FROM users u WHERE u.location_id = t.location_id AND u.id = t.assigned_to) AS assigned_to_name,
  c.name AS contact_name,
  c.email AS contact_email,
  c.phone AS contact_phone
FROM tasks t
JOIN contacts c ON c.id = t.contact_id
WHERE t.deleted_at IS NULL AND t.completed = 0 AND c.deleted_at IS NULL;
