// The soak run's parts (test/bench/soak.ts): settings from the environment, the sandbox and
// `ghl-etl sync` as child processes, peak-RSS polling, and the pure bookkeeping of the summary.
// Everything binds 127.0.0.1 (the sandbox refuses anything else).
import { createRng } from '../../src/sandbox/random.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.mjs');

export interface SoakSettings {
  contacts: number;
  locations: number;
  rounds: number;
  minutes: number;
  faults: number;
  timeScale: number;
  /** Share of rounds whose first sync is killed at a random moment. */
  killShare: number;
  /** Changes per round (POST /__sandbox/mutate), over all locations. */
  changes: number;
  /** Share of syncs during which a burst of 429s is injected (POST /__sandbox/faults). */
  burstShare: number;
  /** OAuth access token lifetime before time scaling (the first location is connected by OAuth). */
  tokenTtlSeconds: number;
  seed: number;
  /** A sync process still running after this long is killed and counted as unexpected. */
  syncTimeoutMs: number;
}

function num(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new RangeError(`${name} must be a number >= ${min}, got "${text}"`);
  return n;
}

export function readSettings(env: Record<string, string | undefined> = process.env): SoakSettings {
  const contacts = Math.trunc(num(env, 'SOAK_CONTACTS', 300, 1));
  const locations = Math.trunc(num(env, 'SOAK_LOCATIONS', 3, 1));
  return {
    contacts,
    locations,
    rounds: Math.trunc(num(env, 'SOAK_ROUNDS', 20, 1)),
    minutes: num(env, 'SOAK_MINUTES', 30, 0.1),
    faults: num(env, 'SOAK_FAULTS', 0.05, 0),
    timeScale: num(env, 'SOAK_TIME_SCALE', 20, 1),
    killShare: num(env, 'SOAK_KILL_SHARE', 0.3, 0),
    // A day of changes, as the sync benchmark counts it: one change per 50 contacts.
    changes: Math.trunc(num(env, 'SOAK_CHANGES', Math.max(1, Math.ceil((contacts * locations) / 50)), 0)),
    burstShare: num(env, 'SOAK_BURST_SHARE', 0.5, 0),
    tokenTtlSeconds: Math.trunc(num(env, 'SOAK_TOKEN_TTL_S', 60, 1)),
    seed: Math.trunc(num(env, 'SOAK_SEED', 1, 0)),
    syncTimeoutMs: num(env, 'SOAK_SYNC_TIMEOUT_S', 300, 1) * 1000,
  };
}

/** A seeded generator (the sandbox's), so a soak run's kill moments can be replayed. */
export function createRandom(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}


/** How one sync process ended, and whether that end was ours to cause. */
export interface SyncExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The signal we sent, if any. */
  sentSignal?: NodeJS.Signals;
  timedOut: boolean;
}

/** "0", "130", "SIGKILL"...: the key under which an exit is counted. */
export function exitKey(e: SyncExit): string {
  if (e.timedOut) return 'timeout';
  return e.code !== null ? String(e.code) : (e.signal ?? 'unknown');
}

/**
 * 0 always; 130 after our own SIGTERM (the sync stopped on a checkpoint), or death by that
 * SIGTERM when it landed while node was still loading, before the sync's handler existed (see
 * `diedOfSigterm`, counted apart); 137 or death by signal after our own SIGKILL. A SIGTERM may
 * also land on a run that finishes anyway (0).
 */
export function isExpectedExit(e: SyncExit): boolean {
  if (e.timedOut) return false;
  if (e.code === 0) return true;
  if (e.sentSignal === 'SIGTERM') return e.code === 130 || diedOfSigterm(e);
  if (e.sentSignal === 'SIGKILL') return e.code === 137 || e.signal === 'SIGKILL';
  return false;
}

/** Ended by our SIGTERM's default action: the process had not yet installed its handler. */
export function diedOfSigterm(e: SyncExit): boolean {
  return e.sentSignal === 'SIGTERM' && e.code === null && e.signal === 'SIGTERM';
}

export interface Spread {
  min: number;
  max: number;
  mean: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { min: 0, max: 0, mean: 0 };
  const total = values.reduce((a, b) => a + b, 0);
  return { min: Math.min(...values), max: Math.max(...values), mean: Math.round(total / values.length) };
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** The database with its WAL and shared-memory files, in MB. */
export function databaseMb(dbPath: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      bytes += statSync(dbPath + suffix).size;
    } catch {
      // not there (yet)
    }
  }
  return +(bytes / 1_048_576).toFixed(2);
}

/** The kernel's peak-RSS high-water mark of a live process in kB, or undefined once it is gone. */
export function peakRssKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Child processes to end however the soak run ends (normally, on failure, on Ctrl-C). */
export class Cleanup {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  dir(path: string): void {
    this.dirs.add(path);
  }

  /** Synchronous, so it also works from process.on('exit'). */
  killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }

  /**
   * Newest first (a sync before the sandbox it talks to, so it can finish its page), each with
   * SIGTERM and then SIGKILL after a grace; then the temp dirs.
   */
  async stop(graceMs = 5000): Promise<void> {
    for (const child of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(grace);
    }
    this.removeDirs();
  }

  removeDirs(): void {
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.dirs.clear();
  }
}

export interface SandboxInfo {
  url: string;
  locations: Array<{ id: string; token: string }>;
  oauth: { clientId: string; clientSecret: string };
}

/** `ghl-etl sandbox --json` in its own process, so its CPU and memory are not the sync's. */
export async function startSandboxProcess(s: SoakSettings, cleanup: Cleanup): Promise<SandboxInfo> {
  const args = [
    BIN, 'sandbox', '--json', '--port', '0', '--locations', String(s.locations), '--contacts', String(s.contacts),
    '--seed', String(s.seed), '--faults', String(s.faults), '--rate-limit', '100/10s', '--time-scale', String(s.timeScale),
    '--token-ttl', String(s.tokenTtlSeconds),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  cleanup.track(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code, signal) => reject(new Error(`sandbox exited (${code ?? signal}) before printing its URL: ${stderr.trim()}`)));
  });
  // Keep draining its stdout so a chatty sandbox never blocks on a full pipe.
  child.stdout!.resume();
  return JSON.parse(line) as SandboxInfo;
}

/**
 * `ghl-etl auth login --paste` for the sandbox's first location, the browser's part done with
 * fetch: its access tokens then expire every tokenTtlSeconds / timeScale, mid-run.
 */
export async function loginWithOAuth(env: Record<string, string | undefined>, cwd: string, cleanup: Cleanup): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'auth', 'login', '--paste', '--json'], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  cleanup.track(child);
  let stderr = '';
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const authorizeUrl = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (line) => {
      stderr += line + '\n';
      if (/^https?:\/\//.test(line.trim())) resolve(line.trim());
    });
    void exited.then((code) => reject(new Error(`auth login exited ${code} before printing the authorize URL: ${stderr.trim()}`)));
  });
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const redirect = res.headers.get('location');
  if (res.status !== 302 || !redirect) throw new Error(`the sandbox's authorize page answered ${res.status}`);
  child.stdin!.end(redirect + '\n');
  const code = await exited;
  if (code !== 0) throw new Error(`auth login exited ${code}: ${stderr.trim()}`);
}

export interface SyncResult extends SyncExit {
  durationMs: number;
  /** From our signal to the process's exit. */
  stopMs?: number;
  peakRssKb: number;
  stdout: string;
  stderr: string;
}

/**
 * One `ghl-etl sync` process. `killAfterMs` sends `killSignal` at that moment (if it still runs);
 * VmHWM is polled while it lives, the last reading before exit being the run's peak.
 */
export function runSync(
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  cleanup: Cleanup,
  opts: { killAfterMs?: number; killSignal?: NodeJS.Signals; timeoutMs: number },
): Promise<SyncResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'sync', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.track(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let peak = 0;
    let sentSignal: NodeJS.Signals | undefined;
    let signalledAt = 0;
    let timedOut = false;
    const poll = setInterval(() => {
      const kb = child.pid !== undefined ? peakRssKb(child.pid) : undefined;
      if (kb !== undefined && kb > peak) peak = kb;
    }, 50);
    const killer = opts.killAfterMs !== undefined
      ? setTimeout(() => {
        sentSignal = opts.killSignal ?? 'SIGKILL';
        signalledAt = performance.now();
        child.kill(sentSignal);
      }, opts.killAfterMs)
      : undefined;
    const timeout = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearInterval(poll);
      clearTimeout(killer);
      clearTimeout(timeout);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(killer);
      clearTimeout(timeout);
      resolve({
        code, signal, timedOut, durationMs: Math.round(performance.now() - started), peakRssKb: peak, stdout, stderr,
        ...(sentSignal ? { sentSignal, stopMs: Math.round(performance.now() - signalledAt) } : {}),
      });
    });
  });
}

/** The per-location summaries of `sync --json`, if it printed them. */
export interface SyncJson {
  exitCode: number;
  runs: Array<{ locationId: string; status: string; apiCalls: number; rateLimited: number; retries: number; resumed: boolean; error?: string }>;
}

export function parseSyncJson(stdout: string): SyncJson | undefined {
  const line = stdout.trim().split('\n').at(-1);
  if (!line) return undefined;
  try {
    return JSON.parse(line) as SyncJson;
  } catch {
    return undefined;
  }
}
