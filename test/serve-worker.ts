// A `serve` in its own process, for the SIGKILL test: opens the database given as argv[2],
// listens on 127.0.0.1:argv[3] (0 = any) and prints `ready <url>` on stdout.
import { openDatabase } from '../src/db/index.ts';
import { startServer } from '../src/serve/index.ts';
import { INTAKE_SECRET } from './helpers/serve.ts';

const db = openDatabase(process.argv[2]!);
const server = await startServer({ db, config: { intakeSecret: INTAKE_SECRET }, host: '127.0.0.1', port: Number(process.argv[3] ?? 0) });
process.stdout.write(`ready ${server.url}\n`);
