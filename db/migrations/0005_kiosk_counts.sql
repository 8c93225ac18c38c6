CREATE TABLE `export_backlog` (
	`id` integer PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `token_counts` (
	`status` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `assignments_desk_verified` ON `assignments` (`desk_id`,`verified_at`,`undone_at`) WHERE undone_at IS NULL;--> statement-breakpoint
-- The kiosk header's counts, kept by triggers so that every writer (the import's INSERT ... SELECT,
-- hand-out, undo, the set-based UPDATEs of export/void/mark-uploaded, lifecycle transitions, Graph
-- upload, purge) keeps them right without knowing about them. Initialised from the existing rows here,
-- in the migration's transaction, so a home with data starts with the right numbers.
INSERT INTO `token_counts` (`status`, `n`) SELECT `status`, count(*) FROM `tokens` GROUP BY `status`;
--> statement-breakpoint
CREATE TRIGGER `token_counts_insert` AFTER INSERT ON `tokens`
BEGIN
	INSERT INTO `token_counts` (`status`, `n`) VALUES (NEW.`status`, 1) ON CONFLICT (`status`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `token_counts_delete` AFTER DELETE ON `tokens`
BEGIN
	UPDATE `token_counts` SET `n` = `n` - 1 WHERE `status` = OLD.`status`;
END;
--> statement-breakpoint
CREATE TRIGGER `token_counts_status` AFTER UPDATE OF `status` ON `tokens` WHEN OLD.`status` IS NOT NEW.`status`
BEGIN
	UPDATE `token_counts` SET `n` = `n` - 1 WHERE `status` = OLD.`status`;
	INSERT INTO `token_counts` (`status`, `n`) VALUES (NEW.`status`, 1) ON CONFLICT (`status`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
-- Waiting for export = live (not undone, not ended) assignments in no batch whose token is 'assigned'
-- (AssignmentRepo's plain count, the rule exportBatch picks rows by). Both sides can change it: the
-- assignment (insert, batch_id, undone_at, ended_at) and its token's status. Each trigger reads the
-- other table as it is at that moment, so the count stays exact whatever order a writer uses.
INSERT INTO `export_backlog` (`id`, `n`)
	SELECT 1, count(*) FROM `assignments` a JOIN `tokens` t ON t.`id` = a.`token_id`
	WHERE a.`batch_id` IS NULL AND a.`undone_at` IS NULL AND a.`ended_at` IS NULL AND t.`status` = 'assigned';
--> statement-breakpoint
CREATE TRIGGER `export_backlog_assignment_insert` AFTER INSERT ON `assignments`
	WHEN NEW.`batch_id` IS NULL AND NEW.`undone_at` IS NULL AND NEW.`ended_at` IS NULL
BEGIN
	UPDATE `export_backlog` SET `n` = `n` + (SELECT count(*) FROM `tokens` WHERE `id` = NEW.`token_id` AND `status` = 'assigned') WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `export_backlog_assignment_delete` AFTER DELETE ON `assignments`
	WHEN OLD.`batch_id` IS NULL AND OLD.`undone_at` IS NULL AND OLD.`ended_at` IS NULL
BEGIN
	UPDATE `export_backlog` SET `n` = `n` - (SELECT count(*) FROM `tokens` WHERE `id` = OLD.`token_id` AND `status` = 'assigned') WHERE `id` = 1;
END;
--> statement-breakpoint
-- An update counts only when it moves a hand-out in or out of the rule; the WHEN clauses keep the
-- set-based UPDATEs of export and mark-uploaded from writing the counter for rows that do not.
CREATE TRIGGER `export_backlog_assignment_leaves` AFTER UPDATE OF `batch_id`, `undone_at`, `ended_at`, `token_id` ON `assignments`
	WHEN OLD.`batch_id` IS NULL AND OLD.`undone_at` IS NULL AND OLD.`ended_at` IS NULL
		AND EXISTS (SELECT 1 FROM `tokens` WHERE `id` = OLD.`token_id` AND `status` = 'assigned')
BEGIN
	UPDATE `export_backlog` SET `n` = `n` - 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `export_backlog_assignment_enters` AFTER UPDATE OF `batch_id`, `undone_at`, `ended_at`, `token_id` ON `assignments`
	WHEN NEW.`batch_id` IS NULL AND NEW.`undone_at` IS NULL AND NEW.`ended_at` IS NULL
		AND EXISTS (SELECT 1 FROM `tokens` WHERE `id` = NEW.`token_id` AND `status` = 'assigned')
BEGIN
	UPDATE `export_backlog` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `export_backlog_token_status` AFTER UPDATE OF `status` ON `tokens`
	WHEN (OLD.`status` = 'assigned') IS NOT (NEW.`status` = 'assigned')
		AND EXISTS (SELECT 1 FROM `assignments` WHERE `token_id` = NEW.`id` AND `batch_id` IS NULL AND `undone_at` IS NULL AND `ended_at` IS NULL)
BEGIN
	UPDATE `export_backlog` SET `n` = `n` + (CASE WHEN NEW.`status` = 'assigned' THEN 1 ELSE -1 END) * (
		SELECT count(*) FROM `assignments`
		WHERE `token_id` = NEW.`id` AND `batch_id` IS NULL AND `undone_at` IS NULL AND `ended_at` IS NULL
	) WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `export_backlog_token_delete` AFTER DELETE ON `tokens` WHEN OLD.`status` = 'assigned'
BEGIN
	UPDATE `export_backlog` SET `n` = `n` - (
		SELECT count(*) FROM `assignments`
		WHERE `token_id` = OLD.`id` AND `batch_id` IS NULL AND `undone_at` IS NULL AND `ended_at` IS NULL
	) WHERE `id` = 1;
END;
