// Shared by the bench scripts: the sandbox and `ghl-etl sync` as child processes (so each one's
// CPU and memory are its own), their CPU time and peak RSS, and the one-line JSON output.
// CPU of a running process is read from /proc (Linux), as is the sandbox's.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SandboxStats } from '../../src/sandbox/index.ts';
import { configSchema } from '../../src/config/schema.ts';

export const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.mjs');

/** One measure: `measure` names it; `ratio` and `goal` are what the runner's table shows. */
export interface Measure {
  measure: string;
  ratio?: number;
  goal?: string;
  met?: boolean;
  [detail: string]: unknown;
}

export function emit(m: Measure): void {
  process.stdout.write(JSON.stringify(m) + '\n');
}

export const round = (n: number, digits = 3) => Number(n.toFixed(digits));

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ghl-etl-bench-'));
}

/** A size from the environment, or the default. */
export function sizeFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a whole number >= 1, got "${text}"`);
  return n;
}

/** A positive number (a time scale, say) from the environment, or the default. */
export function scaleFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${name} must be a positive number, got "${text}"`);
  return n;
}

/** Whether this build's configuration accepts `sync.locationConcurrency` (it arrives with the sync work). */
export function supportsLocationConcurrency(): boolean {
  return configSchema.safeParse({ sync: { locationConcurrency: 2 } }).success;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** user + system CPU of a live process in ms, from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export interface SandboxProcess {
  url: string;
  locations: Array<{ id: string; token: string }>;
  pid: number;
  cpuMs(): number;
  stats(): Promise<SandboxStats>;
  control<T = unknown>(path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** `ghl-etl sandbox --json` with these flags, in its own process. */
export async function startSandboxProcess(flags: string[]): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--json', '--port', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code} before printing its URL`)));
  });
  child.stdout.resume();
  const info = JSON.parse(line) as { url: string; locations: Array<{ id: string; token: string }> };
  async function control<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(`/__sandbox/${path}`, info.url), body === undefined
      ? {}
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`/__sandbox/${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  return {
    ...info,
    pid: child.pid!,
    cpuMs: () => cpuMsOf(child.pid!),
    stats: () => control<SandboxStats>('stats'),
    control,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export interface CliRun {
  code: number | null;
  wallMs: number;
  /** user + system CPU of the ghl-etl process, from its own resourceUsage() at exit. */
  cpuMs: number;
  peakRssMb: number;
  stdout: string;
  /** True when it was stopped by `timeoutMs`. */
  timedOut: boolean;
}

/**
 * `ghl-etl <args>` in its own process with a preload that records its CPU and peak RSS as it
 * exits. `timeoutMs` sends SIGTERM (the sync stops on a checkpoint and still reports).
 */
export async function runCli(args: string[], env: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<CliRun> {
  const dir = tempDir();
  const usageFile = join(dir, 'usage.json');
  const preload = join(dir, 'usage.mjs');
  writeFileSync(preload, `import { writeFileSync } from 'node:fs';
process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(${JSON.stringify(usageFile)}, JSON.stringify({ cpuUs: u.userCPUTime + u.systemCPUTime, maxRssKb: u.maxRSS })); });\n`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', preload, BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  let timedOut = false;
  const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGTERM'); }, opts.timeoutMs) : undefined;
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuUs: number; maxRssKb: number };
  return { code, wallMs, cpuMs: usage.cpuUs / 1000, peakRssMb: Math.round(usage.maxRssKb / 1024), stdout, timedOut };
}

/** A config file for `ghl-etl sync`; returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'ghl-etl.config.json');
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/** No client-side limit worth the name: for measures of our own speed, not HighLevel's pacing. */
export const UNLIMITED = { max: 1_000_000, intervalMs: 1000, daily: 1_000_000_000, dailyShare: 1 };

/** Env for a sync of the locations in the config file (GHL_LOCATION_ID/GHL_TOKEN emptied). */
export function syncEnv(sandbox: SandboxProcess, dbPath: string, configFile: string): Record<string, string> {
  return { GHL_BASE_URL: sandbox.url, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: configFile, GHL_LOCATION_ID: '', GHL_TOKEN: '' };
}
