// Export benchmark (`npm run bench`): one JSON line per measure on stdout, no assertions.
//   export.vs_sqlite3: our export of every live contact through contacts_wide's columns, time as a
//       ratio to `sqlite3 -csv` printing the same rows from contacts_wide in the same run (goal <= 2.5).
//       The machine may be shared, so both sides run more than once, interleaved, and each keeps its
//       fastest run (sqlite3 also runs first, which takes the cold page cache off both); cpuRatio is
//       the same comparison in CPU time (user + system), which other processes disturb far less;
//   export.all_columns: the default export (plus open_tasks, next_task, next_task_due,
//       last_note_at), same ratios;
//   export.rss: peak RSS of a process exporting a tenth of the rows and all of them: flat when
//       memory does not grow with the row count (goal under 400 MB);
//   export.xlsx: the default export as an xlsx workbook (--format xlsx) against the same rows as
//       CSV (export.all_columns): time and CPU ratios, and its peak RSS for a tenth of the rows and
//       all of them (flat, goal under 400 MB like the CSV).
// Rows are written straight into SQLite (no API). BENCH_EXPORT_ROWS sets the count (default
// 1,000,000; test/bench-export.test.ts runs it with a small one); BENCH_EXPORT_RUNS how many
// times each side runs (default 2 for ours, one more for sqlite3).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { upsertCustomFieldDefinitions } from '../../src/db/custom-fields.ts';
import { upsertLocation } from '../../src/db/locations.ts';
import { availableColumns, exportSegment, type ExportFormat, type SegmentRule } from '../../src/export/index.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const emit = (measure: Record<string, unknown>) => process.stdout.write(JSON.stringify(measure) + '\n');
const LOCATION = 'benchLocation';
const TAGS = Array.from({ length: 20 }, (_, i) => `tag-${i}`);

/** Writes `count` contacts (tags, two custom values, a tenth with a task and a note) in one go. */
function seed(db: Db, count: number): void {
  upsertLocation(db, { id: LOCATION, name: 'Bench' });
  upsertCustomFieldDefinitions(db, LOCATION, [
    { id: 'cf_budget', locationId: LOCATION, name: 'Budget', fieldKey: 'contact.budget', dataType: 'NUMERICAL', raw: '{}' },
    { id: 'cf_colors', locationId: LOCATION, name: 'Colors', fieldKey: 'contact.colors', dataType: 'MULTIPLE_OPTIONS', raw: '{}' },
    { id: 'cf_notes', locationId: LOCATION, name: 'Remarks', fieldKey: 'contact.remarks', dataType: 'TEXT', raw: '{}' },
  ], null);
  const s = db.sqlite;
  const contact = s.prepare(
    `INSERT INTO contacts (id, location_id, first_name, last_name, name, email, phone, company_name, city, country,
       type, dnd, date_added, date_updated, raw, synced_at, run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ES', 'lead', 0, ?, ?, ?, ?, 1)`,
  );
  const tag = s.prepare(`INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)`);
  const value = s.prepare(`INSERT INTO contact_custom_fields (contact_id, field_id, value, value_type) VALUES (?, ?, ?, ?)`);
  const task = s.prepare(
    `INSERT INTO tasks (id, contact_id, location_id, title, due_date, completed, raw, synced_at) VALUES (?, ?, ?, ?, ?, 0, '{}', ?)`,
  );
  const note = s.prepare(
    `INSERT INTO notes (id, contact_id, location_id, body, date_added, raw, synced_at) VALUES (?, ?, ?, ?, ?, '{}', ?)`,
  );
  const now = new Date().toISOString();
  const batch = s.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `c${String(i).padStart(8, '0')}`;
      const first = i % 7 === 0 ? `=Name ${i}` : `Nombre ${i}`;
      const last = i % 11 === 0 ? `Apellido, "${i}"` : `Apellido ${i}`;
      const date = new Date(Date.UTC(2025, 0, 1) + (i % 500) * 86_400_000).toISOString();
      contact.run(
        id, LOCATION, first, last, `${first} ${last}`, `user${i}@example.com`, `+34 600 ${String(i).padStart(6, '0')}`,
        `Empresa ${i % 1000}`, 'Madrid', date, date, JSON.stringify({ id, firstName: first, lastName: last }), now,
      );
      tag.run(id, TAGS[i % TAGS.length]!);
      if (i % 2 === 0) tag.run(id, TAGS[(i * 7 + 3) % TAGS.length]!);
      value.run(id, 'cf_budget', String(i % 50_000), 'number');
      if (i % 3 === 0) value.run(id, 'cf_colors', JSON.stringify(['red', 'blue']), 'list');
      if (i % 10 === 0) {
        task.run(`t${i}`, id, LOCATION, `Call back ${i}`, date, now);
        note.run(`n${i}`, id, LOCATION, `Note about ${i}`, date, now);
      }
    }
  });
  for (let from = 0; from < count; from += 20_000) batch(from, Math.min(count, from + 20_000));
}

interface ChildResult { ms: number; cpuMs: number; rows: number; maxRssMB: number }

/** Runs one export in a fresh process, so its time and peak memory are the export's alone. */
interface Job { rule: SegmentRule; wideOnly: boolean; format?: ExportFormat }

function exportInChild(dbPath: string, out: string, job: Job): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'child', dbPath, out, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(text) as ChildResult) : reject(new Error(`export child exited ${code}`))));
  });
}

async function child(dbPath: string, out: string, job: Job): Promise<void> {
  const db = openDatabase(dbPath);
  const columns = job.wideOnly
    ? availableColumns(db, 'contacts').map((c) => c.name).filter((n) => !['open_tasks', 'next_task', 'next_task_due', 'last_note_at'].includes(n))
    : undefined;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await exportSegment(db, { rule: job.rule, out, columns, format: job.format });
  const cpu = process.cpuUsage(cpuBefore);
  const ms = performance.now() - started;
  db.close();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rows: result.rows, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

interface Timing { ms: number; cpuMs: number }

/**
 * `sqlite3 -csv` over contacts_wide into `out`: its wall time, and its CPU time as the shell that
 * waited for it reports it (cutime + cstime in /proc/<pid>/stat, Linux); undefined without sqlite3.
 */
function sqlite3Csv(dbPath: string, out: string): Timing | undefined {
  const started = performance.now();
  const r = spawnSync('sh', ['-c', `sqlite3 -readonly -csv -header "$0" 'SELECT * FROM contacts_wide' > "$1" && cat /proc/$$/stat`, dbPath, out], {
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (r.status !== 0) return undefined;
  // After the command name: cutime and cstime are fields 16 and 17 (1-based in proc(5)), in ticks.
  const fields = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  return { ms, cpuMs: ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND };
}

/** Fastest wall time and least CPU time over runs. */
const best = (runs: Timing[]): Timing => ({ ms: Math.min(...runs.map((r) => r.ms)), cpuMs: Math.min(...runs.map((r) => r.cpuMs)) });

async function main(): Promise<void> {
  const rows = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
  const runs = Number(process.env.BENCH_EXPORT_RUNS ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-bench-export-'));
  try {
    const dbPath = join(dir, 'bench.sqlite');
    const db = openDatabase(dbPath);
    const seedStarted = performance.now();
    seed(db, rows);
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    process.stderr.write(`export bench: ${rows} contacts seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`);

    // Interleaved, sqlite3 first and last: a cold page cache or a burst of load elsewhere costs
    // one run of either side, not the ratio.
    const sqlite: Timing[] = [];
    const sqliteRun = () => {
      const t = sqlite3Csv(dbPath, join(dir, 'sqlite3.csv'));
      if (t) sqlite.push(t);
    };
    const wide: ChildResult[] = [];
    const all: ChildResult[] = [];
    sqliteRun();
    for (let run = 0; run < runs; run++) {
      wide.push(await exportInChild(dbPath, join(dir, 'wide.csv'), { rule: {}, wideOnly: true }));
      sqliteRun();
      all.push(await exportInChild(dbPath, join(dir, 'all.csv'), { rule: {}, wideOnly: false }));
    }
    const tenthRule: SegmentRule = { tags: ['tag-0', 'tag-1'], match: 'any' };
    const tenth = await exportInChild(dbPath, join(dir, 'tenth.csv'), { rule: tenthRule, wideOnly: false });
    const xlsx = await exportInChild(dbPath, join(dir, 'all.xlsx'), { rule: {}, wideOnly: false, format: 'xlsx' });
    const xlsxTenth = await exportInChild(dbPath, join(dir, 'tenth.xlsx'), { rule: tenthRule, wideOnly: false, format: 'xlsx' });
    const floor = sqlite.length > 0 ? best(sqlite) : undefined;
    const ratios = (ours: Timing) => ({
      ratio: floor ? +(ours.ms / floor.ms).toFixed(2) : null,
      cpuRatio: floor ? +(ours.cpuMs / floor.cpuMs).toFixed(2) : null,
    });
    const bestWide = best(wide);
    const bestAll = best(all);
    const wideRatios = ratios(bestWide);
    emit({
      measure: 'export.vs_sqlite3', rows: wide[0]!.rows, ...wideRatios, goal: 2.5, met: wideRatios.ratio === null ? null : wideRatios.ratio <= 2.5,
      ms: Math.round(bestWide.ms), sqlite3Ms: floor ? Math.round(floor.ms) : null,
      cpuMs: Math.round(bestWide.cpuMs), sqlite3CpuMs: floor ? Math.round(floor.cpuMs) : null,
      runs: { ours: wide.map((r) => Math.round(r.ms)), sqlite3: sqlite.map((r) => Math.round(r.ms)) },
      bytes: statSync(join(dir, 'wide.csv')).size,
    });
    emit({ measure: 'export.all_columns', rows: all[0]!.rows, ...ratios(bestAll), ms: Math.round(bestAll.ms), cpuMs: Math.round(bestAll.cpuMs) });
    const peakMB = Math.max(...all.map((r) => r.maxRssMB));
    emit({
      measure: 'export.rss', rows: all[0]!.rows, peakMB: Math.round(peakMB), tenthRows: tenth.rows,
      tenthPeakMB: Math.round(tenth.maxRssMB), growth: +(peakMB / tenth.maxRssMB).toFixed(2), goalMB: 400, met: peakMB < 400,
    });
    emit({
      measure: 'export.xlsx', rows: xlsx.rows, ratio: +(xlsx.ms / bestAll.ms).toFixed(2), cpuRatio: +(xlsx.cpuMs / bestAll.cpuMs).toFixed(2),
      ms: Math.round(xlsx.ms), csvMs: Math.round(bestAll.ms), cpuMs: Math.round(xlsx.cpuMs),
      peakMB: Math.round(xlsx.maxRssMB), csvPeakMB: Math.round(peakMB), tenthRows: xlsxTenth.rows, tenthPeakMB: Math.round(xlsxTenth.maxRssMB),
      growth: +(xlsx.maxRssMB / xlsxTenth.maxRssMB).toFixed(2), bytes: statSync(join(dir, 'all.xlsx')).size,
      csvBytes: statSync(join(dir, 'all.csv')).size, goalMB: 400, met: xlsx.maxRssMB < 400,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  await child(process.argv[3]!, process.argv[4]!, JSON.parse(process.argv[5]!) as Job);
} else {
  await main();
}
