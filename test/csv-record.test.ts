// The hand-written CSV record encoder writes exactly what csv-stringify (the project's CSV
// library, configured as the export used it: CRLF records, line breaks inside cells quoted)
// writes for the same cells, so replacing it on the export's hot path changed no byte.
import { stringify } from 'csv-stringify/sync';
import { expect, it } from 'vitest';
import { csvRecord, type Cell } from '../src/export/csv-record.ts';
import { guardCell } from '../src/export/index.ts';

const HOSTILE: Cell[] = [
  '', 'plain', 'a,b', 'say "hi"', '"', '""', ',', 'line\nbreak', 'cr\ronly', 'crlf\r\nin', 'ends with\r', '\n',
  ' padded ', 'Zoë 😀 日本語', 'ñandú | a/b', '=HYPERLINK("http://evil.example","x")', '@SUM(A1)', '+cmd|calc',
  '-2+3', '\tTabbed', '\rCarriage', '-12.5', '+34 600 123 456', '+1 (555) 010-2000', '1e5', '=', "'quoted'",
  0, 1, -1, 12.5, -0.25, 1e21, 1e-7, 2 ** 53, 9007199254740993n, -5n, null, Buffer.from('bytes, "quoted"'),
];

function stringifyRecord(cells: Cell[], guard: boolean): string {
  const fields = cells.map((c) => (typeof c === 'string' && guard ? guardCell(c) : Buffer.isBuffer(c) ? c.toString('utf8') : c));
  return stringify([fields], { record_delimiter: 'windows', quote_record_delimiter: true });
}

it('writes every hostile cell as csv-stringify does, guarded and raw', () => {
  for (const guard of [true, false]) {
    for (const cell of HOSTILE) expect(csvRecord([cell], guard), JSON.stringify(String(cell))).toBe(stringifyRecord([cell], guard));
    expect(csvRecord(HOSTILE, guard)).toBe(stringifyRecord(HOSTILE, guard));
  }
});

it('ends each record in CRLF and keeps empty fields, a null as an empty field', () => {
  expect(csvRecord(['a', null, '', 'b'], true)).toBe('a,,,b\r\n');
  expect(csvRecord([], true)).toBe(stringifyRecord([], true));
});
