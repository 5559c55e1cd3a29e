-- Idempotency keys of the single-record operations (src/ops): a rerun with the same key returns
-- the first result instead of writing again. `status` is 'pending' from just before the request is
-- sent until its outcome is known, so a rerun after a crash looks the record up before sending.
CREATE TABLE `op_idempotency` (
	`key` text PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`location_id` text NOT NULL,
	`request` text NOT NULL,
	`status` text NOT NULL,
	`result` text,
	`created_at` text NOT NULL,
	`finished_at` text,
	CONSTRAINT "op_idempotency_status_check" CHECK("op_idempotency"."status" IN ('pending', 'done'))
);
