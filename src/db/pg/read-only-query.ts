// sql_query on PostgreSQL: one statement an assistant wrote, run so that it cannot change
// anything, with the same refusals as on SQLite (openReadOnlyRunner of mcp-reads.ts):
// - a check of the text first: a read (SELECT, WITH, VALUES, TABLE), not naming the encrypted
//   credentials (oauth_tokens) nor a function whose effect outlives a read-only transaction or
//   reaches outside it (advisory locks, signalling other sessions, settings, sleeping, dynamic
//   SQL through *_to_xml, large objects, dblink, ...);
// - then the database's own guard: `BEGIN READ ONLY` (any write, DDL, nextval(), SELECT ... FOR
//   UPDATE fails with 25006), the statement as a cursor (DECLARE takes only a SELECT or VALUES,
//   and the extended protocol only one statement), a statement_timeout, and ROLLBACK always (a
//   setting changed by set_config is undone); the session's advisory locks are released after;
// - rows fetched up to the cap plus one, to say whether more matched.
// For isolation beyond this, point the MCP server at a role that may only SELECT (README).
import type pg from 'pg';
import { ReadOnlyQueryRefused, type QueryResult } from '../mcp-reads.ts';

/** How long one sql_query statement may run. */
export const SQL_QUERY_TIMEOUT_MS = 10_000;

const NOT_A_READ = 'sql: only read-only statements that return rows (SELECT, WITH ... SELECT) are allowed; this one would change the database or returns nothing';
const ONE_STATEMENT = 'sql: give one statement (no ";"-separated list)';

/** Functions a read-only transaction does not stop, whose effect would outlive or escape the read. */
const UNSAFE_FUNCTIONS = new RegExp(String.raw`\b(` + [
  String.raw`pg_(try_)?advisory\w*`, 'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile',
  'pg_switch_wal', String.raw`pg_create_\w+`, String.raw`pg_drop_\w+`, String.raw`pg_read_\w+`, String.raw`pg_ls_\w+`, String.raw`pg_stat_reset\w*`,
  'pg_notify', 'pg_logical_emit_message', String.raw`pg_replication_origin\w*`, String.raw`pg_sleep\w*`, 'set_config',
  String.raw`\w+_to_xml\w*`, 'xpath', String.raw`dblink\w*`, String.raw`lo_\w+`, String.raw`pg_file_\w+`, 'pg_import_system_collations',
].join('|') + String.raw`)"?\s*\(`, 'i');

/** The statement without comments around it and without a trailing ";" (DECLARE ... FOR takes no ";"). */
function bareStatement(sql: string): string {
  let s = sql.trim();
  for (;;) {
    const stripped = s.replace(/^--[^\n]*(\n|$)/, '').replace(/^\/\*[\s\S]*?\*\//, '').trim();
    if (stripped === s) break;
    s = stripped;
  }
  return s.replace(/;\s*$/, '');
}

/** The text check: what SQLite's prepare would refuse, in its words. */
function checkText(sql: string): string {
  if (/oauth_tokens/i.test(sql)) throw new ReadOnlyQueryRefused('sql: oauth_tokens (the encrypted credentials) is not readable here');
  const unsafe = UNSAFE_FUNCTIONS.exec(sql);
  if (unsafe) throw new ReadOnlyQueryRefused(`${NOT_A_READ} (${unsafe[1]} is not allowed here)`);
  // U&"..." identifiers could spell any name past the check above.
  if (/\bu&["']/i.test(sql)) throw new ReadOnlyQueryRefused(`${NOT_A_READ} (U& escapes are not allowed here)`);
  const bare = bareStatement(sql);
  if (!/^\(*\s*(select|with|values|table)\b/i.test(bare)) throw new ReadOnlyQueryRefused(NOT_A_READ);
  return bare;
}

/** Values JSON carries: bytea as base64 text (as SQLite's blobs), the rest as pg reads them (connect.ts). */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/** PostgreSQL's refusal as the SQLite runner words it. */
function refusalOf(err: unknown, timeoutMs: number): Error {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  if (e.code === '25006') return new ReadOnlyQueryRefused(NOT_A_READ);
  if (e.code === '42601' && /multiple commands/i.test(message)) return new ReadOnlyQueryRefused(ONE_STATEMENT);
  if (e.code === '57014') return new ReadOnlyQueryRefused(`sql: stopped after ${timeoutMs / 1000} s (statement_timeout): narrow the query or add a LIMIT`);
  // DECLARE ... FOR takes only SELECT / VALUES; anything else reads as a syntax error there.
  if (/DECLARE CURSOR|INTO is not allowed/i.test(message)) return new ReadOnlyQueryRefused(NOT_A_READ);
  return new ReadOnlyQueryRefused(`sql: ${message}`);
}

/** Runs one read-only statement on a connection of `pool`; at most `limit` rows, for at most `timeoutMs`. */
export async function runReadOnlyQuery(pool: pg.Pool, sql: string, limit: number, timeoutMs = SQL_QUERY_TIMEOUT_MS): Promise<QueryResult> {
  const statement = checkText(sql);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    let fetched: pg.QueryResult<Record<string, unknown>>;
    try {
      // The extended protocol (node-postgres's queryMode, missing from its types) takes one statement only.
      const declare: pg.QueryConfig & { queryMode: 'extended' } = { text: `DECLARE mcp_sql_query NO SCROLL CURSOR FOR ${statement}`, queryMode: 'extended' };
      await client.query(declare);
      fetched = await client.query({ text: `FETCH FORWARD ${limit + 1} FROM mcp_sql_query` });
    } catch (err) {
      throw refusalOf(err, timeoutMs);
    } finally {
      await client.query('ROLLBACK').catch((err: unknown) => {
        broken = err as Error;
      });
    }
    const truncated = fetched.rows.length > limit;
    return {
      columns: fetched.fields.map((f) => f.name),
      rows: fetched.rows.slice(0, limit).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)]))),
      truncated,
    };
  } finally {
    if (!broken) await client.query('SELECT pg_advisory_unlock_all()').catch((err: unknown) => (broken = err as Error));
    client.release(broken);
  }
}
