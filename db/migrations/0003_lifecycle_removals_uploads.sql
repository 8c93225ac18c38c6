CREATE TABLE `code_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_id` integer NOT NULL,
	`import_id` integer NOT NULL,
	`at_ms` integer NOT NULL,
	`kind` text NOT NULL,
	`offset_steps` integer NOT NULL,
	FOREIGN KEY (`token_id`) REFERENCES `tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `code_checks_at` ON `code_checks` (`at_ms`);--> statement-breakpoint
CREATE TABLE `graph_uploads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`serial` text NOT NULL,
	`assignment_id` integer,
	`batch_id` integer,
	`stage` text NOT NULL,
	`user_id` text,
	`device_id` text,
	`failure_code` text,
	`failure_reason` text,
	`calls` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`assignment_id`) REFERENCES `assignments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `graph_uploads_tenant_serial` ON `graph_uploads` (`tenant`,`serial`);--> statement-breakpoint
CREATE INDEX `graph_uploads_batch` ON `graph_uploads` (`batch_id`);--> statement-breakpoint
CREATE TABLE `removals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_id` integer NOT NULL,
	`assignment_id` integer NOT NULL,
	`upn` text NOT NULL,
	`reason` text NOT NULL,
	`action` text NOT NULL,
	`requested_at` text NOT NULL,
	`requested_by` text NOT NULL,
	`desk_id` text NOT NULL,
	`batch_id` integer,
	`done_at` text,
	FOREIGN KEY (`token_id`) REFERENCES `tokens`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assignment_id`) REFERENCES `assignments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `removals_batch` ON `removals` (`batch_id`);--> statement-breakpoint
CREATE INDEX `removals_token` ON `removals` (`token_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `removals_assignment_unique` ON `removals` (`assignment_id`);--> statement-breakpoint
ALTER TABLE `assignments` ADD `ended_at` text;--> statement-breakpoint
ALTER TABLE `assignments` ADD `ended_by` text;--> statement-breakpoint
ALTER TABLE `assignments` ADD `end_reason` text;--> statement-breakpoint
ALTER TABLE `assignments` ADD `end_note` text;--> statement-breakpoint
ALTER TABLE `assignments` ADD `replaces_assignment_id` integer;--> statement-breakpoint
CREATE INDEX `assignments_token` ON `assignments` (`token_id`);--> statement-breakpoint
ALTER TABLE `batches` ADD `kind` text DEFAULT 'hand-out' NOT NULL;--> statement-breakpoint
ALTER TABLE `batches` ADD `export_options` text;--> statement-breakpoint
ALTER TABLE `roster_people` ADD `login` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `status_changed_at` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `quarantine_reason` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `quarantine_offset_steps` integer;--> statement-breakpoint
CREATE INDEX `tokens_preassigned_upn` ON `tokens` (`preassigned_upn`) WHERE preassigned_upn IS NOT NULL;--> statement-breakpoint
-- 'revoked' was never set by anything; its place in the lifecycle is 'retired'.
UPDATE `tokens` SET `status` = 'retired' WHERE `status` = 'revoked';
