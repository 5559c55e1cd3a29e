// The export benchmark script runs end to end on a small row count and prints its measures
// (the numbers themselves belong to `npm run bench`, not to a test).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('test/bench/export.ts prints one JSON line per measure', () => {
  const script = join(import.meta.dirname, 'bench', 'export.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, BENCH_EXPORT_ROWS: '300' },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const measures = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(measures.map((m) => m.measure)).toEqual(['export.vs_sqlite3', 'export.all_columns', 'export.rss', 'export.xlsx']);
  expect(measures[0]).toMatchObject({ rows: 300, goal: 2.5 });
  expect(measures[1]).toMatchObject({ rows: 300 });
  expect(measures[2]).toMatchObject({ rows: 300, goalMB: 400 });
  expect(measures[2]!.tenthRows).toBeGreaterThan(0);
  expect(typeof measures[2]!.peakMB).toBe('number');
  expect(measures[3]).toMatchObject({ rows: 300, goalMB: 400 });
  expect(measures[3]!.tenthRows).toBe(measures[2]!.tenthRows);
  expect(typeof measures[3]!.peakMB).toBe('number');
  // Nine child processes, each starting through tsx: slow on a loaded machine, not a measure.
}, 240_000);
