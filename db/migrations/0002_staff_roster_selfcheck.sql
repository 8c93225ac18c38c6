CREATE TABLE `pin_attempts` (
	`name_key` text PRIMARY KEY NOT NULL,
	`failed_pins` integer DEFAULT 0 NOT NULL,
	`lockouts` integer DEFAULT 0 NOT NULL,
	`locked_until_ms` integer
);
--> statement-breakpoint
CREATE TABLE `roster_people` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`upn` text NOT NULL,
	`display_name` text NOT NULL,
	`employee_id` text,
	`badge` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roster_people_upn_unique` ON `roster_people` (`upn`);--> statement-breakpoint
CREATE UNIQUE INDEX `roster_people_employee_id_unique` ON `roster_people` (`employee_id`) WHERE employee_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `roster_people_badge_unique` ON `roster_people` (`badge`) WHERE badge IS NOT NULL;--> statement-breakpoint
CREATE TABLE `roster_words` (
	`word` text NOT NULL,
	`person_id` integer NOT NULL,
	PRIMARY KEY(`word`, `person_id`),
	FOREIGN KEY (`person_id`) REFERENCES `roster_people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `roster_words_person` ON `roster_words` (`person_id`);--> statement-breakpoint
CREATE TABLE `self_check_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scope` text NOT NULL,
	`at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `self_check_attempts_scope_at` ON `self_check_attempts` (`scope`,`at_ms`);--> statement-breakpoint
CREATE TABLE `staff` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`role` text NOT NULL,
	`pin_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`disabled_at` text,
	`disabled_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_name_key_unique` ON `staff` (`name_key`);