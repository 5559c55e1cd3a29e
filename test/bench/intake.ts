// Intake benchmark (`npm run bench`): leads acknowledged per second by `serve` (each one
// signature-checked, validated and committed to the inbox before its 202) and the latency of an
// acknowledgement, with the server in its own process and N leads posted by C concurrent
// senders. One JSON line:
//   {"measure":"intake", "leads", "concurrency", "leadsPerSecond", "p50Ms", "p99Ms",
//    "bareLeadsPerSecond", "vsBareHttp"}
// vsBareHttp = leadsPerSecond / the same load against a bare node:http server that answers 202
// without checking or storing anything (the share of plain HTTP throughput serve keeps).
// Usage: node --import tsx test/bench/intake.ts [N] [C]
import { rmSync } from 'node:fs';
import { postLead, sampleLead, startServeWorker, tempDbPath } from '../helpers/serve.ts';

const leads = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 32);

/** Posts `count` distinct leads (numbered from `first`) from C concurrent senders. */
async function load(url: string, count: number, first = 0): Promise<{ perSecond: number; latencies: number[] }> {
  let next = first;
  const latencies: number[] = [];
  const sender = async () => {
    while (next < first + count) {
      const n = next++;
      const started = performance.now();
      const answer = await postLead(url, sampleLead(n));
      if (answer.status !== 202) throw new Error(`lead ${n}: ${answer.status} ${JSON.stringify(answer.json)}`);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, sender));
  return { perSecond: count / ((performance.now() - started) / 1000), latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(mode: 'serve' | 'bare') {
  const { dir, dbPath } = tempDbPath('ghl-etl-bench-intake-');
  const { child, url } = await startServeWorker(dbPath, mode);
  try {
    await load(url, Math.min(500, leads), 1_000_000); // warm-up (JIT, connections) with other leads
    return await load(url, leads);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const serve = await measure('serve');
const bare = await measure('bare');
const sorted = serve.latencies.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({
  measure: 'intake',
  leads,
  concurrency,
  leadsPerSecond: Math.round(serve.perSecond),
  p50Ms: Number(percentile(sorted, 50).toFixed(2)),
  p99Ms: Number(percentile(sorted, 99).toFixed(2)),
  bareLeadsPerSecond: Math.round(bare.perSecond),
  vsBareHttp: Number((serve.perSecond / bare.perSecond).toFixed(3)),
}) + '\n');
