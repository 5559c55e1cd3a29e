// `npm run bench [-- --json] [-- --write] [prefix...]`: runs every benchmark script in this folder,
// each in its own process, one after another (so they do not compete for the cores), and prints
// a table of their measures (or, with --json, one JSON document). --write also puts the table,
// the machine and the date into BENCHMARKS.md between its result markers.
// A script prints one JSON object per measure on stdout ({"measure", "ratio"?, "goal"?, "met"?,
// ...details}); anything else it prints is passed through to stderr. Prefixes pick scripts
// (`npm run bench -- rate calls`).
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join } from 'node:path';

const here = import.meta.dirname;
const BENCHMARKS_MD = join(here, '..', '..', 'BENCHMARKS.md');
const NOT_BENCHMARKS = new Set(['run.ts', 'soak.ts', 'soak-lib.ts', 'lib.ts', 'ingest-data.ts']);
const BEGIN = '<!-- bench:results -->';
const END = '<!-- /bench:results -->';
/** Environment knobs worth recording with the results (sizes that differ from the defaults). */
const KNOB = /^(BENCH_|SOAK_)/;

type Measure = Record<string, unknown> & { measure?: string; ratio?: number; goal?: string; met?: boolean };

interface ScriptResult {
  script: string;
  measures: Measure[];
  exitCode: number | null;
  seconds: number;
}

function runScript(file: string): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const measures: Measure[] = [];
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
          measures.push(parsed as Measure);
          return;
        }
      } catch {
        // not a measure: pass it through
      }
      process.stderr.write(line + '\n');
    }
    child.on('close', (code) => {
      collect(pending);
      resolve({ script: basename(file), measures, exitCode: code, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** A few scalar details of a measure for the table (the JSON has them all). */
function details(m: Measure): string {
  const skip = new Set(['measure', 'ratio', 'goal', 'met']);
  return Object.entries(m)
    .filter(([k, v]) => !skip.has(k) && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .slice(0, 7)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** `ratio`, or a script's own name for one (e.g. intake.ts's `vsBareHttp`). */
function ratioCell(m: Measure): string {
  if (m.ratio !== undefined) return String(m.ratio);
  const named = Object.entries(m).find(([k, v]) => typeof v === 'number' && /^vs[A-Z]|Ratio$|Share$/.test(k));
  return named ? `${named[1]} (${named[0]})` : '';
}

function rows(results: ScriptResult[]): string[][] {
  const out: string[][] = [];
  for (const r of results) {
    for (const m of r.measures) {
      out.push([
        String(m.measure ?? basename(r.script, '.ts')),
        ratioCell(m),
        String(m.goal ?? ''),
        m.met === undefined ? '' : m.met ? 'yes' : 'NO',
        String(details(m)),
      ]);
    }
    if (r.exitCode !== 0) out.push([basename(r.script, '.ts'), '', '', 'NO', `script exited ${r.exitCode}`]);
  }
  return out;
}

const HEAD = ['measure', 'ratio', 'goal', 'met', 'details'];

function textTable(body: string[][]): string {
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((r) => (i === 4 ? 0 : r[i]!.length))));
  const line = (r: string[]) => r.map((c, i) => (i === 4 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEAD), ...body.map(line)].join('\n');
}

function markdownTable(body: string[][]): string {
  const esc = (c: string) => c.replaceAll('|', '\\|');
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function machine() {
  const cpu = cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cpu: `${cpu[0]?.model ?? 'unknown'} x ${cpu.length}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
  };
}

function writeBenchmarksMd(section: string) {
  const text = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start
    ? text.slice(0, start + BEGIN.length) + '\n' + section + '\n' + text.slice(end)
    : `${text.trimEnd()}\n\n${BEGIN}\n${section}\n${END}\n`;
  writeFileSync(BENCHMARKS_MD, next);
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const write = args.includes('--write');
const only = args.filter((a) => !a.startsWith('--'));
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !NOT_BENCHMARKS.has(f))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const started = performance.now();
const date = new Date().toISOString();
const results: ScriptResult[] = [];
for (const script of scripts) {
  process.stderr.write(`bench: ${script}\n`);
  const result = await runScript(join(here, script));
  process.stderr.write(`bench: ${script} done in ${result.seconds.toFixed(1)} s${result.exitCode ? ` (exit ${result.exitCode})` : ''}\n`);
  results.push(result);
}
const seconds = (performance.now() - started) / 1000;
const knobs = Object.fromEntries(Object.entries(process.env).filter(([k]) => KNOB.test(k)));
const body = rows(results);
const failed = results.filter((r) => r.exitCode !== 0);

if (json) {
  process.stdout.write(JSON.stringify({
    date, machine: machine(), seconds: +seconds.toFixed(1), knobs,
    results: results.map((r) => ({ script: r.script, exitCode: r.exitCode, seconds: +r.seconds.toFixed(1), measures: r.measures })),
  }) + '\n');
} else {
  process.stdout.write(textTable(body) + '\n');
}
process.stderr.write(`bench: ${results.length} script(s) in ${seconds.toFixed(0)} s` +
  (failed.length ? `; failed: ${failed.map((r) => `${r.script} (exit ${r.exitCode})`).join(', ')}` : '') + '\n');

if (write) {
  const m = machine();
  writeBenchmarksMd([
    `Latest \`npm run bench\`: ${date.slice(0, 16).replace('T', ' ')} UTC, commit ${m.commit}, ${seconds.toFixed(0)} s in all` +
      (only.length ? ` (scripts: ${scripts.join(', ')})` : '') + '.',
    `Machine: ${m.cpu}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}.` +
      (Object.keys(knobs).length ? ` Sizes: ${Object.entries(knobs).map(([k, v]) => `${k}=${v}`).join(' ')}.` : ' Default sizes.'),
    '',
    markdownTable(body),
  ].join('\n'));
  process.stderr.write(`bench: results written to ${BENCHMARKS_MD}\n`);
}
process.exitCode = failed.length ? 1 : 0;
