import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, renderProgressLine } from '../src/cli/progress.ts';
import { log } from '../src/log.ts';

describe('the progress line', () => {
  it('shows the bar, counts, an ETA and the time spent waiting on the rate limit', () => {
    const line = renderProgressLine(
      { label: 'loc1 contacts', done: 250, total: 1000, counts: { pages: 3, calls: 4 }, waitedMs: 61_000 },
      10_000,
    );
    expect(line).toContain('[######..................] 250/1000');
    expect(line).toContain('ETA 30s');
    expect(line).toContain('pages 3');
    expect(line).toContain('rate-limit wait 1m01s');
    expect(renderProgressLine({ label: 'x', done: 7 }, 1000)).toBe('x  7');
  });

  it('draws nothing when stderr is not a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    let written = '';
    (stream as unknown as PassThrough).on('data', (d) => (written += d));
    const progress = createProgress(stream);
    progress.update({ label: 'x', done: 1 });
    progress.done();
    expect(written).toBe('');
  });

  it('on a terminal, clears itself before a log line and draws again after it', () => {
    const chunks: string[] = [];
    const stream = { isTTY: true, columns: 80, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
    const progress = createProgress(stream, true);
    progress.update({ label: 'loc1 contacts', done: 1, total: 2 });
    const realWrite = process.stderr.write;
    process.stderr.write = ((s: string) => { chunks.push(`LOG:${s.trim()}`); return true; }) as typeof process.stderr.write;
    try {
      log().error('boom');
    } finally {
      process.stderr.write = realWrite;
      progress.done();
    }
    const at = chunks.findIndex((c) => c.startsWith('LOG:'));
    expect(at).toBeGreaterThan(0);
    expect(chunks[at - 1]).toBe('\r\x1b[2K');
    expect(chunks[at + 1]).toContain('loc1 contacts');
  });
});
