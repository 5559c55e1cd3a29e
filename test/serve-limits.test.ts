// `serve` exposed to clients that prove nothing: slow bodies, idle connections, unsigned bodies.
// Through the binary, as an operator runs it; the only timed bounds are the generous ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { INTAKE_SECRET, postLead, sampleLead, spawnServe, type ServeChild } from './helpers/serve.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined };

function startServe(dir: string, args: string[] = []): Promise<ServeChild> {
  const env = {
    ...process.env, ...CLEAN, GHL_LOCATION_ID: 'loc-1', GHL_TOKEN: 'pit-1', GHL_BASE_URL: 'http://127.0.0.1:9',
    GHL_ETL_DB: join(dir, 'ghl.sqlite'), INTAKE_SECRET,
  };
  return spawnServe({ env, args, cwd: dir });
}

/** A raw connection; resolves `closed` with the ms it stayed open, and collects what it received. */
function rawConnection(port: number): { socket: Socket; closed: Promise<number>; received: () => string } {
  const socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => (received += d));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - opened)));
  return { socket, closed, received: () => received };
}

const WELL_FORMED_SIGNATURE = `sha256=${'ab'.repeat(32)}`;

let dir: string;
let serve: ServeChild;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ghl-etl-serve-limits-'));
  serve = await startServe(dir);
});
afterAll(async () => {
  expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe('serve under slow and idle clients', () => {
  it('closes a slow-body connection within 30 s, logging one short line, while other requests are answered', async () => {
    const slow = rawConnection(serve.port);
    slow.socket.write(`POST /leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Intake-Signature: ${WELL_FORMED_SIGNATURE}\r\nContent-Length: 100000\r\n\r\n`);
    const drip = setInterval(() => { if (!slow.socket.destroyed) slow.socket.write('x'); }, 1_000);
    try {
      // Meanwhile a signed lead is acknowledged, and more than once.
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await postLead(serve.url, sampleLead(1))).status).toBe(202);
      expect((await postLead(serve.url, sampleLead(2))).status).toBe(202);
      const openFor = await slow.closed;
      expect(openFor).toBeLessThan(30_000);
    } finally {
      clearInterval(drip);
    }
    // The cut-off client is one short warning, not a stack trace.
    for (let i = 0; i < 100 && !/aborted/.test(serve.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
    const lines = serve.stderr().split('\n').filter((l) => /aborted/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(300);
    expect(lines[0]).not.toMatch(/stack/);
    expect(serve.stderr()).not.toMatch(/request failed/);
  }, 45_000);

  it('acknowledges a signed lead while 200 idle connections are open, and closes the idle ones', async () => {
    const idle = Array.from({ length: 200 }, () => rawConnection(serve.port));
    await Promise.all(idle.map((c) => new Promise((resolve) => c.socket.once('connect', resolve))));
    const answer = await postLead(serve.url, sampleLead(3));
    expect(answer.status).toBe(202);
    const openFor = await Promise.all(idle.map((c) => c.closed));
    expect(Math.max(...openFor)).toBeLessThan(30_000);
  }, 45_000);

  it('refuses a request without a well-formed signature before reading its body', async () => {
    for (const [path, headers] of [['/leads', 'Content-Type: application/json\r\n'], ['/leads', 'X-Intake-Signature: sha256=zz\r\n'], ['/webhooks/ghl', 'X-Ghl-Signature: short\r\n']] as const) {
      const conn = rawConnection(serve.port);
      // Declares a body it never sends: the answer comes anyway, and the connection is closed.
      conn.socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: 100000\r\n\r\n`);
      await conn.closed;
      expect(conn.received()).toMatch(/^HTTP\/1\.1 401 /);
    }
  });
});

describe('GET /healthz while another process holds the write lock', () => {
  it('answers within a second (503 is fine), and other requests are not held up behind it', async () => {
    // A serve of its own with an empty inbox: its bridge rounds have nothing to write, so only
    // the health checks meet the lock.
    const own = mkdtempSync(join(tmpdir(), 'ghl-etl-serve-health-'));
    const serve = await startServe(own);
    const timed = async (path: string) => {
      const started = Date.now();
      const { status } = await fetch(`${serve.url}${path}`);
      return { status, ms: Date.now() - started };
    };
    const other = new Database(join(own, 'ghl.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const answers = await Promise.all([...Array.from({ length: 10 }, () => timed('/healthz')), timed('/nothing')]);
      for (const a of answers.slice(0, 10)) {
        expect([200, 503]).toContain(a.status);
        expect(a.ms).toBeLessThan(1_000);
      }
      expect(answers[10]).toMatchObject({ status: 404 });
      expect(answers[10]!.ms).toBeLessThan(1_000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${serve.url}/healthz`)).status;
    }
    expect(status).toBe(200);
    expect(await serve.stop()).toBe(0);
    rmSync(own, { recursive: true, force: true });
  });
});

describe('serve on a non-loopback address', () => {
  it('warns that there is no TLS and a reverse proxy belongs in front', async () => {
    const other = await startServe(dir, ['--host', '0.0.0.0']);
    try {
      expect(other.stderr()).toMatch(/reverse proxy with TLS/);
    } finally {
      expect(await other.stop()).toBe(0);
    }
    expect(serve.stderr()).not.toMatch(/reverse proxy/);
  });
});

describe('serve with a short INTAKE_SECRET', () => {
  it('exits 2 naming the rule, without printing the secret', async () => {
    const own = mkdtempSync(join(tmpdir(), 'ghl-etl-serve-secret-'));
    try {
      const result = await runCli(['serve', '--port', '0'], {
        cwd: own, env: { ...CLEAN, GHL_LOCATION_ID: 'loc-1', GHL_TOKEN: 'pit-1', GHL_BASE_URL: 'http://127.0.0.1:9', GHL_ETL_DB: join(own, 'ghl.sqlite'), INTAKE_SECRET: 'tiny-secret' },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/INTAKE_SECRET \("intakeSecret"\) must be at least 32 characters/);
      expect(result.stderr).not.toContain('tiny-secret');
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
