CREATE TABLE `batch_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`path` text NOT NULL,
	`role` text NOT NULL,
	`holds_seeds` integer NOT NULL,
	`written_at` text NOT NULL,
	`removed_at` text,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `batch_files_batch` ON `batch_files` (`batch_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `batch_files_path` ON `batch_files` (`batch_id`,`path`);--> statement-breakpoint
DROP INDEX `assignments_live_token`;--> statement-breakpoint
CREATE UNIQUE INDEX `assignments_live_token` ON `assignments` (`token_id`) WHERE undone_at IS NULL AND ended_at IS NULL;