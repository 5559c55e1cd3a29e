// Opening the mirror: one better-sqlite3 connection with the pragmas every caller relies on,
// pending migrations applied, and the schema version checked against this code's migrations.
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';
import type { Db, Orm, Sqlite, SqliteDb } from './connection.ts';
import { registerTagFunctions } from './tags.ts';
import { rebuildContactsWideView } from './views.ts';

export type { Db, Orm, Sqlite } from './connection.ts';

export interface OpenOptions {
  /**
   * Open without writing: never creates the file or its folder, never migrates; fails when the
   * file is missing or its schema is behind. What the commands that only read the mirror use.
   */
  readonly?: boolean;
}

/** Thrown when the database cannot be used with this version of the code. */
export class DatabaseVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseVersionError';
  }
}

/** The path cannot be opened as a ghl-etl database; the message names the path, the problem and the fix. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(readonly path: string, problem: string, fix: string, options?: { cause: unknown }) {
    super(`database ${path} ${problem}: ${fix}`, options);
  }
}

const FIX_PATH = 'set GHL_ETL_DB (or "db" in the config file) to a new file name or an existing ghl-etl database';
const FIX_MISSING = 'run `ghl-etl sync` to create the mirror, or set GHL_ETL_DB (or "db" in the config file) to your mirror\'s path';

/**
 * The database file is damaged, found when opening it or by any later statement: the error in
 * words that name the fix, else undefined.
 */
export function damagedDatabase(path: string, err: unknown): DatabaseOpenError | undefined {
  const code = (err as { code?: string }).code ?? '';
  if (!code.startsWith('SQLITE_CORRUPT')) return undefined;
  return new DatabaseOpenError(path, `is damaged (${(err as Error).message})`,
    `restore it from a backup (or try \`sqlite3 ${path} .recover\`), or move it aside and run \`ghl-etl sync\` to build a new mirror`, { cause: err });
}

/** SQLite's and the file system's refusals, in words that name the fix. */
function openProblem(path: string, err: unknown): DatabaseOpenError | undefined {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB') return new DatabaseOpenError(path, 'is not a SQLite database', FIX_PATH, { cause: err });
  if (code.startsWith('SQLITE_CORRUPT')) return damagedDatabase(path, err);
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new DatabaseOpenError(path, 'is read-only (the file or its folder cannot be written)', `make it and its folder writable, or ${FIX_PATH}`, { cause: err });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'ENOTDIR' || code === 'EEXIST') {
    return new DatabaseOpenError(path, 'cannot be opened (a missing or unwritable folder)', FIX_PATH, { cause: err });
  }
  return undefined;
}

/** True when `path` is a SQLite file holding ghl-etl's migrations table (so a ghl-etl mirror). */
export function isGhlEtlDatabase(path: string): boolean {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== 'SQLite format 3\0') return false;
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return !!sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MIGRATIONS_TABLE);
  } catch {
    return false;
  } finally {
    sqlite.close();
  }
}

// Resolved from this file, not the cwd: the CLI may run from anywhere.
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
const MIGRATIONS_TABLE = '__drizzle_migrations';
const BUSY_TIMEOUT_MS = 5_000;

interface JournalEntry { idx: number; when: number; tag: string }

function readJournal(): JournalEntry[] {
  const text = readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8');
  return (JSON.parse(text) as { entries: JournalEntry[] }).entries;
}

interface AppliedState { count: number; lastWhen: number | undefined }

function appliedMigrations(sqlite: Sqlite): AppliedState {
  const exists = sqlite
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
    .get(MIGRATIONS_TABLE);
  if (!exists) return { count: 0, lastWhen: undefined };
  const row = sqlite
    .prepare(`SELECT count(*) AS count, max(CAST(created_at AS INTEGER)) AS lastWhen FROM ${MIGRATIONS_TABLE}`)
    .get() as { count: number; lastWhen: number | null };
  return { count: row.count, lastWhen: row.lastWhen ?? undefined };
}

function pendingCount(journal: JournalEntry[], applied: AppliedState): number {
  // drizzle applies every journal entry newer than the last applied one.
  return journal.filter((e) => applied.lastWhen === undefined || e.when > applied.lastWhen).length;
}

function assertNotNewer(path: string, journal: JournalEntry[], applied: AppliedState): void {
  const codeLast = journal.at(-1)?.when ?? 0;
  if (applied.count > journal.length || (applied.lastWhen !== undefined && applied.lastWhen > codeLast)) {
    throw new DatabaseVersionError(
      `database ${path} has schema version ${applied.count}, newer than this ghl-etl understands ` +
        `(${journal.length}); upgrade ghl-etl or use a different database file (GHL_ETL_DB)`,
    );
  }
}

/**
 * Refuses another application's SQLite file (tables, but not ghl-etl's migrations table) before
 * anything is written to it: migrating would add ghl-etl's tables to someone else's database.
 * An empty file or database becomes a mirror.
 */
function assertOursOrEmpty(path: string, sqlite: Sqlite): void {
  const tables = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{ name: string }>)
    .map((t) => t.name);
  if (tables.length === 0 || tables.includes(MIGRATIONS_TABLE)) return;
  const shown = tables.length > 3 ? `${tables.slice(0, 3).join(', ')}, ...` : tables.join(', ');
  throw new DatabaseOpenError(path, `is not a ghl-etl database (it holds another application's tables: ${shown}); nothing was changed`, FIX_PATH);
}

function contactsWideExists(sqlite: Sqlite): boolean {
  return !!sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = 'contacts_wide'`).get();
}

/**
 * Opens (creating when needed) the SQLite mirror at `path`: WAL journal, foreign keys on,
 * 5 s busy timeout, pending migrations applied. Throws `DatabaseVersionError` when the file was
 * written by a newer ghl-etl, or (read-only) when it still needs migrations, and
 * `DatabaseOpenError` when the path is a directory, not a database, or read-only.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  try {
    return openChecked(path, options);
  } catch (err) {
    throw openProblem(path, err) ?? err;
  }
}

function openChecked(path: string, options: OpenOptions): Db {
  const readonly = options.readonly ?? false;
  const inMemory = path === ':memory:';
  if (!inMemory && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DatabaseOpenError(path, 'is a directory', `name a file inside it, e.g. ${path.replace(/\/+$/, '')}/ghl.sqlite, in GHL_ETL_DB (or "db" in the config file)`);
  }
  if (readonly && !inMemory && !statSync(path, { throwIfNoEntry: false })) {
    // A command that only reads never creates a mirror (nor the folders of a mistyped path).
    throw new DatabaseOpenError(path, 'does not exist', FIX_MISSING);
  }
  if (!readonly && !inMemory) mkdirSync(dirname(path), { recursive: true });

  const sqlite = new Database(path, { readonly, fileMustExist: readonly });
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    assertOursOrEmpty(path, sqlite); // before WAL mode, the first change to the file
    if (!readonly) sqlite.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs the disk at checkpoints, not at every commit: a killed process
    // loses nothing, and a power cut loses at most the last commits, never consistency (the
    // sync's checkpoints then resume a little earlier). FULL made every page's commit wait on the
    // disk, blocking the event loop with requests ready to go.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    registerTagFunctions(sqlite);
    const orm = drizzle(sqlite, { schema });
    const journal = readJournal();

    let applied = appliedMigrations(sqlite);
    assertNotNewer(path, journal, applied);
    if (pendingCount(journal, applied) > 0) {
      if (readonly) {
        throw new DatabaseVersionError(
          `database ${path} is at schema version ${applied.count} but this ghl-etl needs ${journal.length}; ` +
            'open it once read-write (e.g. run `ghl-etl sync`) to migrate it',
        );
      }
      applyMigrations(sqlite, orm);
      applied = appliedMigrations(sqlite);
      sqlite.pragma(`user_version = ${applied.count}`);
    }
    if (!readonly && !contactsWideExists(sqlite)) rebuildContactsWideView(sqlite);

    const db: SqliteDb = {
      path,
      readonly,
      sqlite,
      orm,
      schemaVersion: applied.count,
      // IMMEDIATE: a writer takes the write lock at BEGIN, so it waits out the busy timeout for a
      // concurrent writer (serve, a sync) instead of failing at once with "database is locked"
      // when a deferred transaction that has read tries to upgrade (SQLite cannot wait there).
      transaction: <T>(fn: () => T): T => (readonly ? sqlite.transaction(fn)() : sqlite.transaction(fn).immediate()),
      writeTransaction: <T>(fn: () => T): T => sqlite.transaction(fn).immediate(),
      close: () => sqlite.close(),
    };
    return db;
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

function applyMigrations(sqlite: Sqlite, orm: Orm): void {
  // contacts_wide is generated from data, and a migration that rebuilds a table it reads
  // (drizzle-kit recreates SQLite tables to alter them) would fail on the dangling view, so it
  // is dropped first and rebuilt after.
  sqlite.exec('DROP VIEW IF EXISTS contacts_wide');
  try {
    migrate(orm, { migrationsFolder: MIGRATIONS_FOLDER, migrationsTable: MIGRATIONS_TABLE });
  } catch (err) {
    // Another process may have migrated between our check and our BEGIN (drizzle's check is not
    // inside its transaction): if nothing is pending any more, that is success.
    if (pendingCount(readJournal(), appliedMigrations(sqlite)) > 0) throw err;
  }
  rebuildContactsWideView(sqlite);
}
