CREATE TABLE `assignments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_id` integer NOT NULL,
	`upn` text NOT NULL,
	`display_name` text NOT NULL,
	`verified_at` text NOT NULL,
	`offset_steps` integer NOT NULL,
	`assigned_by` text NOT NULL,
	`desk_id` text NOT NULL,
	`batch_id` integer,
	`undone_at` text,
	`undone_by` text,
	`undo_reason` text,
	FOREIGN KEY (`token_id`) REFERENCES `tokens`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assignments_live_token` ON `assignments` (`token_id`) WHERE undone_at IS NULL;--> statement-breakpoint
CREATE INDEX `assignments_upn` ON `assignments` (`upn`);--> statement-breakpoint
CREATE INDEX `assignments_batch` ON `assignments` (`batch_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`desk_id` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`desk_id` text NOT NULL,
	`format` text NOT NULL,
	`file_name` text NOT NULL,
	`row_count` integer NOT NULL,
	`sha256` text NOT NULL,
	`status` text DEFAULT 'exported' NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`uploaded_at` text,
	`voided_at` text,
	`void_reason` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `batches_name_unique` ON `batches` (`name`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`file_name` text NOT NULL,
	`file_size` integer NOT NULL,
	`sha256` text NOT NULL,
	`format` text NOT NULL,
	`added` integer NOT NULL,
	`already_present` integer NOT NULL,
	`rejected` integer NOT NULL,
	`skipped` integer NOT NULL,
	`imported_at` text NOT NULL,
	`imported_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `imports_sha256_unique` ON `imports` (`sha256`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`serial` text NOT NULL,
	`sealed_secret` blob,
	`algorithm` text NOT NULL,
	`digits` integer NOT NULL,
	`period` integer NOT NULL,
	`manufacturer` text NOT NULL,
	`model` text NOT NULL,
	`status` text DEFAULT 'in-stock' NOT NULL,
	`last_accepted_step` integer,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`locked_until_ms` integer,
	`drift_steps` integer DEFAULT 0 NOT NULL,
	`preassigned_upn` text,
	`import_id` integer NOT NULL,
	`secret_purged_at` text,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_serial_unique` ON `tokens` (`serial`);--> statement-breakpoint
CREATE INDEX `tokens_status` ON `tokens` (`status`);