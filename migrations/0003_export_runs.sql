ALTER TABLE `export_runs` ADD `kind` text DEFAULT 'contacts' NOT NULL;--> statement-breakpoint
ALTER TABLE `export_runs` ADD `sha256` text;