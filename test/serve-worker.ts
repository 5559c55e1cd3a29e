// A `serve` in its own process, for the SIGKILL test and the intake bench: opens the database
// given as argv[2], listens on 127.0.0.1:argv[3] (0 = any) and prints `ready <url>` on stdout.
// With argv[4] = "bare" it runs instead a node:http server that reads the body and answers 202
// without checking or storing anything: the bench's baseline.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../src/db/index.ts';
import { setLogLevel } from '../src/log.ts';
import { startServer } from '../src/serve/index.ts';
import { INTAKE_SECRET } from './helpers/serve.ts';
import { quietLogger } from './helpers/logger.ts';

setLogLevel('warn');
const port = Number(process.argv[3] ?? 0);
if (process.argv[4] === 'bare') {
  let next = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: ++next }));
    });
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
} else {
  const db = openDatabase(process.argv[2]!);
  const server = await startServer({ db, logger: quietLogger, config: { intakeSecret: INTAKE_SECRET }, host: '127.0.0.1', port });
  process.stdout.write(`ready ${server.url}\n`);
}
