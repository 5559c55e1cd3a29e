// Test helpers for `serve`: a temp SQLite mirror, a running server on a free port, and a sender
// that signs leads the way a real sender would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/index.ts';
import { signIntakeBody, startServer, type IntakeServer, type ServeOptions } from '../../src/serve/index.ts';
import { BIN } from './cli.ts';
import { quietLogger } from './logger.ts';

export const INTAKE_SECRET = 'test-intake-secret-0123456789abcdef';

export interface ServeFixture {
  dir: string;
  dbPath: string;
  db: Db;
  server: IntakeServer;
  stop(): Promise<void>;
}

export function tempDbPath(prefix = 'ghl-etl-serve-'): { dir: string; dbPath: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, dbPath: join(dir, 'ghl.sqlite') };
}

export async function startServeFixture(options: Partial<ServeOptions> & { webhookPublicKey?: string; port?: number } = {}): Promise<ServeFixture> {
  const { dir, dbPath } = tempDbPath();
  const db = openDatabase(dbPath);
  let server: IntakeServer;
  try {
    server = await startServer({
      db, logger: quietLogger,
      config: { intakeSecret: INTAKE_SECRET, webhookPublicKey: options.webhookPublicKey },
      host: '127.0.0.1',
      port: options.port ?? 0,
      ...options,
    });
  } catch (err) {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir, dbPath, db, server,
    async stop() {
      await server.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port free right now (for a sandbox that must know the receiver's URL before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Posts a lead as a sender would: JSON body, X-Intake-Signature over the exact bytes sent. */
export async function postLead(
  url: string, body: unknown, options: { secret?: string | null; raw?: string } = {},
): Promise<{ status: number; json: any }> {
  const text = options.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const secret = options.secret === undefined ? INTAKE_SECRET : options.secret;
  if (secret !== null) headers['x-intake-signature'] = signIntakeBody(text, secret);
  const response = await fetch(`${url}/leads`, { method: 'POST', headers, body: text });
  const raw = await response.text();
  let json: unknown;
  try { json = JSON.parse(raw); } catch { json = raw; }
  return { status: response.status, json };
}

/** A valid lead; `n` (up to 99,999,999) makes it a different person, with a valid Spanish number. */
export function sampleLead(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nombre: `Nombre${n}`,
    apellidos: `Apellido${n}`,
    email: `lead${n}@example.com`,
    // Below 10,000 a Madrid landline (91 555 nnnn), as the tests expect; above, a mobile (6nn nnn nnn).
    telefono: n < 10_000 ? `+3491555${String(n).padStart(4, '0')}` : `+346${String(n).padStart(8, '0')}`,
    concesionario: 12,
    tipo_lead: 3,
    campana: 'primavera',
    custom: { marca: 'Seat', modelo: 'Ibiza' },
    ...extra,
  };
}

/** Runs test/serve-worker.ts in a child process (`mode: 'bare'` for the bench's baseline server). */
export function startServeWorker(dbPath: string, mode: 'serve' | 'bare' = 'serve'): Promise<{ child: ChildProcess; url: string }> {
  const worker = new URL('../serve-worker.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', worker, dbPath, '0', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /ready (\S+)\n/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve worker exited (${code}) before it was ready`)));
  });
}

export interface ServeChild {
  url: string;
  port: number;
  stderr(): string;
  /** SIGTERM (once), resolving with the exit code. */
  stop(): Promise<number | null>;
}

/** `ghl-etl serve --port P --json` as a child process: its url once listening. */
export async function spawnServe(opts: { env: NodeJS.ProcessEnv; args?: string[]; port?: number; cwd?: string }): Promise<ServeChild> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(opts.port ?? 0), '--json', ...(opts.args ?? [])], {
    env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('close', (code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  let stopped: Promise<number | null> | undefined;
  return { url, port, stderr: () => stderr, stop: () => (stopped ??= (child.kill('SIGTERM'), exited)) };
}
