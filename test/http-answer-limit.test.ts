// An answer too large to hold (a misdirected base URL, a hostile server) is refused with a clear
// error instead of being read into memory, whichever API sent it (src/http/send.ts).
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerTooLargeError, httpBase, MAX_ANSWER_BYTES, sendHttp } from '../src/http/send.ts';
import { runCli } from './helpers/cli.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

let server: Server;
let url = '';
let streamedBytes = 0;
beforeAll(async () => {
  // Answers every request with an endless JSON-looking body (chunked: no Content-Length to go by),
  // or, on /declared, a Content-Length over the limit.
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  server = createServer((req, res) => {
    if (req.url?.startsWith('/declared')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_ANSWER_BYTES + 1) });
      res.write('[');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('["');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) streamedBytes += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('answers over the size limit', () => {
  it('are refused by the one sender, by the declared length or as they stream', async () => {
    const send = (path: string, maxAnswerBytes?: number) => sendHttp({ method: 'GET', base: httpBase(url), path, headers: {}, timeoutMs: 30_000, maxAnswerBytes });
    await expect(send('/declared')).rejects.toThrow(AnswerTooLargeError);
    await expect(send('/stream', 4 * 1024 * 1024)).rejects.toThrow(/the answer to GET \/stream is larger than 4194304 bytes \(4 MiB\): refused/);
  });

  it('stop `sync` with a one-line error naming the limit (exit 1), not an exhausted process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-answer-limit-'));
    const result = await runCli(['sync'], { cwd: dir, env: { ...CLEAN, GHL_BASE_URL: url, GHL_LOCATION_ID: 'loc-1', GHL_TOKEN: 'pit-1', GHL_ETL_DB: join(dir, 'ghl.sqlite') } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/larger than 52428800 bytes \(50 MiB\): refused/);
    // The server was cut off near the limit, not read to the end (it never ends).
    expect(streamedBytes).toBeLessThan(40 * MAX_ANSWER_BYTES);
  });
});
