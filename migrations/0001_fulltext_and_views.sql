-- Full-text search over notes and tasks, and the two static views (contacts_wide is built at
-- run time by rebuildContactsWideView() because its columns follow the custom fields).
--
-- The FTS tables are external-content tables over notes/tasks keyed by their rowid, kept in
-- step by the triggers below. They index soft-deleted rows too: join back to the table and
-- filter `deleted_at IS NULL`, e.g.
--   SELECT n.* FROM notes_fts f JOIN notes n ON n.rowid = f.rowid
--   WHERE notes_fts MATCH 'invoice' AND n.deleted_at IS NULL;
-- After a VACUUM (which may renumber rowids of tables without an INTEGER PRIMARY KEY) run
-- `INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')` (and the same for tasks_fts).
CREATE VIRTUAL TABLE `notes_fts` USING fts5(body, content='notes', content_rowid='rowid');
--> statement-breakpoint
CREATE TRIGGER `notes_fts_after_insert` AFTER INSERT ON `notes` BEGIN
  INSERT INTO notes_fts(rowid, body) VALUES (new.rowid, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `notes_fts_after_delete` AFTER DELETE ON `notes` BEGIN
  INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER `notes_fts_after_update` AFTER UPDATE OF body ON `notes` WHEN old.body IS NOT new.body BEGIN
  INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
  INSERT INTO notes_fts(rowid, body) VALUES (new.rowid, new.body);
END;
--> statement-breakpoint
CREATE VIRTUAL TABLE `tasks_fts` USING fts5(title, body, content='tasks', content_rowid='rowid');
--> statement-breakpoint
CREATE TRIGGER `tasks_fts_after_insert` AFTER INSERT ON `tasks` BEGIN
  INSERT INTO tasks_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_fts_after_delete` AFTER DELETE ON `tasks` BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_fts_after_update` AFTER UPDATE OF title, body ON `tasks`
WHEN old.title IS NOT new.title OR old.body IS NOT new.body BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
  INSERT INTO tasks_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
--> statement-breakpoint
-- Live, not completed tasks of live contacts, with who to call.
CREATE VIEW `open_tasks` AS
SELECT
  t.id AS id,
  t.location_id AS location_id,
  t.contact_id AS contact_id,
  t.title AS title,
  t.body AS body,
  t.due_date AS due_date,
  t.assigned_to AS assigned_to,
  c.name AS contact_name,
  c.email AS contact_email,
  c.phone AS contact_phone
FROM tasks t
JOIN contacts c ON c.id = t.contact_id
WHERE t.deleted_at IS NULL AND t.completed = 0 AND c.deleted_at IS NULL;
--> statement-breakpoint
-- Per live contact: how much is going on.
CREATE VIEW `contact_activity` AS
SELECT
  c.id AS contact_id,
  c.location_id AS location_id,
  c.name AS name,
  c.email AS email,
  (SELECT count(*) FROM tasks t WHERE t.contact_id = c.id AND t.deleted_at IS NULL) AS tasks,
  (SELECT count(*) FROM tasks t WHERE t.contact_id = c.id AND t.deleted_at IS NULL AND t.completed = 0) AS open_tasks,
  (SELECT count(*) FROM notes n WHERE n.contact_id = c.id AND n.deleted_at IS NULL) AS notes,
  (SELECT max(n.date_added) FROM notes n WHERE n.contact_id = c.id AND n.deleted_at IS NULL) AS last_note_at
FROM contacts c
WHERE c.deleted_at IS NULL;
