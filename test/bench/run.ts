// `npm run bench`: runs every benchmark script in this folder (each in its own process, one
// after another so they do not compete for the 2 cores) and prints their results. A script
// prints one JSON line per measure on stdout; anything else it prints is passed through to
// stderr. The soak test has its own npm script and is not a benchmark.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const here = import.meta.dirname;
const NOT_BENCHMARKS = new Set(['run.ts', 'soak.ts', 'soak-lib.ts']);

export interface BenchResult {
  script: string;
  measures: Array<Record<string, unknown>>;
  exitCode: number | null;
}

function runScript(file: string): Promise<BenchResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const measures: Array<Record<string, unknown>> = [];
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) collect(line);
    });
    function collect(line: string) {
      if (line.trim() === '') return;
      try {
        const parsed = JSON.parse(line) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          measures.push(parsed as Record<string, unknown>);
          process.stdout.write(JSON.stringify({ bench: basename(file, '.ts'), ...parsed }) + '\n');
          return;
        }
      } catch {
        // not a measure: pass it through
      }
      process.stderr.write(line + '\n');
    }
    child.on('close', (code) => {
      collect(pending);
      resolve({ script: basename(file), measures, exitCode: code });
    });
  });
}

const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !NOT_BENCHMARKS.has(f))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const results: BenchResult[] = [];
for (const script of scripts) {
  process.stderr.write(`bench: ${script}\n`);
  results.push(await runScript(join(here, script)));
}
const failed = results.filter((r) => r.exitCode !== 0);
process.stderr.write(
  `bench: ${results.length} script(s), ${results.reduce((n, r) => n + r.measures.length, 0)} measure(s)` +
    (failed.length ? `, failed: ${failed.map((r) => `${r.script} (exit ${r.exitCode})`).join(', ')}` : '') + '\n',
);
process.exitCode = failed.length ? 1 : 0;
