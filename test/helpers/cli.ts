// Runs the real binary as a child process, as a user or a cron job would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Starts the binary and, once the sandbox at `sandboxUrl` has answered `requests` requests (or
 * the process has already ended), sends it `signal`; resolves with how it ended. For stops that
 * must land in the middle of a run.
 */
export async function signalMidRun(
  args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; sandboxUrl: string; requests: number; signal: NodeJS.Signals },
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  for (;;) {
    const stats = (await (await fetch(new URL('/__sandbox/stats', opts.sandboxUrl))).json()) as { requests: number };
    if (stats.requests >= opts.requests || child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill(opts.signal);
  return exited;
}
