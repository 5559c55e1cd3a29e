// A separate ghl-etl process for test/auth-multiprocess.test.ts (and pg-rest-auth.test.ts, on
// PostgreSQL; the database is GHL_ETL_DB's, either engine): calls the contacts API in a
// loop with the shared stored OAuth connection, as the transport does (token, one retry after a
// 401 with onUnauthorized). Prints one JSON line: {calls, ok, failures: [...]}.
import { loadConfig } from '../src/config/load.ts';
import { openMirror } from '../src/db/open-mirror.ts';
import { createOAuthTokenProvider } from '../src/auth/provider.ts';

const locationId = process.env.WORKER_LOCATION_ID!;
const untilMs = Date.now() + Number(process.env.WORKER_DURATION_MS ?? 3000);
const config = loadConfig();
const db = await openMirror(config.db, { schema: config.dbSchema });
const provider = createOAuthTokenProvider({ db, config: { ...config, oauth: { ...config.oauth, refreshAheadSeconds: 0 } } });

const call = (token: string) =>
  fetch(`${config.baseUrl}/contacts/?locationId=${locationId}&limit=1`, { headers: { authorization: `Bearer ${token}`, version: '2021-07-28' } });

let calls = 0;
let ok = 0;
const failures: string[] = [];
while (Date.now() < untilMs) {
  calls++;
  try {
    let token = await provider.getToken(locationId);
    let res = await call(token);
    if (res.status === 401) {
      const fresh = await provider.onUnauthorized(locationId, token);
      if (fresh) {
        token = fresh;
        res = await call(token);
      }
    }
    if (res.status === 200) ok++;
    else failures.push(`HTTP ${res.status} ${await res.text()}`);
  } catch (err) {
    failures.push((err as Error).message);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await db.close();
process.stdout.write(JSON.stringify({ calls, ok, failures: failures.slice(0, 5) }) + '\n');
