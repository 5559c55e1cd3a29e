-- Full-text search over notes and tasks, and the two static views (contacts_wide is built at
-- run time by src/db/pg/views.ts because its columns follow the custom fields).
--
-- SQLite's notes_fts / tasks_fts are FTS5 tables; here they are views with a `document`
-- tsvector, indexed by GIN expression indexes on notes and tasks (the expressions come from
-- src/db/pg/fulltext.ts, which explains the normalization). They cover soft-deleted rows too,
-- as on SQLite; filter `deleted_at` on the table, e.g.
--   SELECT n.* FROM notes_fts f JOIN notes n ON n.id = f.id
--   WHERE f.document @@ plainto_tsquery('simple', 'invoice') AND n.deleted_at IS NULL;
CREATE INDEX "notes_fts_document_idx" ON "notes" USING gin (to_tsvector('simple'::regconfig, regexp_replace(translate(lower(coalesce(body, '')), 'áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿÁÀÂÄÃÅĀÉÈÊËĒÍÌÎÏĪÓÒÔÖÕØŌÚÙÛÜŪÑÇÝ', 'aaaaaaaeeeeeiiiiiooooooouuuuuncyyaaaaaaaeeeeeiiiiiooooooouuuuuncy'), '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')));
--> statement-breakpoint
CREATE INDEX "tasks_fts_document_idx" ON "tasks" USING gin (to_tsvector('simple'::regconfig, regexp_replace(translate(lower(coalesce(title, '') || ' ' || coalesce(body, '')), 'áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿÁÀÂÄÃÅĀÉÈÊËĒÍÌÎÏĪÓÒÔÖÕØŌÚÙÛÜŪÑÇÝ', 'aaaaaaaeeeeeiiiiiooooooouuuuuncyyaaaaaaaeeeeeiiiiiooooooouuuuuncy'), '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')));
--> statement-breakpoint
CREATE VIEW "notes_fts" AS
SELECT id, body, to_tsvector('simple'::regconfig, regexp_replace(translate(lower(coalesce(body, '')), 'áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿÁÀÂÄÃÅĀÉÈÊËĒÍÌÎÏĪÓÒÔÖÕØŌÚÙÛÜŪÑÇÝ', 'aaaaaaaeeeeeiiiiiooooooouuuuuncyyaaaaaaaeeeeeiiiiiooooooouuuuuncy'), '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')) AS document
FROM notes;
--> statement-breakpoint
CREATE VIEW "tasks_fts" AS
SELECT id, title, body, to_tsvector('simple'::regconfig, regexp_replace(translate(lower(coalesce(title, '') || ' ' || coalesce(body, '')), 'áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿÁÀÂÄÃÅĀÉÈÊËĒÍÌÎÏĪÓÒÔÖÕØŌÚÙÛÜŪÑÇÝ', 'aaaaaaaeeeeeiiiiiooooooouuuuuncyyaaaaaaaeeeeeiiiiiooooooouuuuuncy'), '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+', ' ', 'g')) AS document
FROM tasks;
--> statement-breakpoint
-- Live, not completed tasks of live contacts, with who to call.
CREATE VIEW "open_tasks" AS
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
WHERE t.deleted_at IS NULL AND NOT t.completed AND c.deleted_at IS NULL;
--> statement-breakpoint
-- Per live contact: how much is going on. Counts are integers, as on SQLite (count() is bigint).
CREATE VIEW "contact_activity" AS
SELECT
  c.id AS contact_id,
  c.location_id AS location_id,
  c.name AS name,
  c.email AS email,
  (SELECT count(*)::integer FROM tasks t WHERE t.contact_id = c.id AND t.deleted_at IS NULL) AS tasks,
  (SELECT count(*)::integer FROM tasks t WHERE t.contact_id = c.id AND t.deleted_at IS NULL AND NOT t.completed) AS open_tasks,
  (SELECT count(*)::integer FROM notes n WHERE n.contact_id = c.id AND n.deleted_at IS NULL) AS notes,
  (SELECT max(n.date_added) FROM notes n WHERE n.contact_id = c.id AND n.deleted_at IS NULL) AS last_note_at
FROM contacts c
WHERE c.deleted_at IS NULL;
