// "SIGKILL of serve at random moments loses no lead that got a 202": a child process runs the
// server while leads are posted concurrently; it is killed at random moments and restarted.
// Afterwards every acknowledged lead is in the inbox under the id it was acknowledged with.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { listInbox, openDatabase } from '../src/db/index.ts';
import { postLead, sampleLead, startServeWorker, tempDbPath } from './helpers/serve.ts';

const { dir, dbPath } = tempDbPath('ghl-etl-sigkill-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = 5;
const SENDERS = 8;

describe('serve killed with SIGKILL while leads arrive', () => {
  it('keeps every lead that got a 202', async () => {
    const acknowledged = new Map<number, number>(); // lead number -> inbox id answered
    let next = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { child, url } = await startServeWorker(dbPath);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let killed = false;
      const sender = async () => {
        while (!killed) {
          const n = next++;
          try {
            const answer = await postLead(url, sampleLead(n));
            if (answer.status === 202) acknowledged.set(n, answer.json.id);
            else throw new Error(`unexpected ${answer.status}`);
          } catch (err) {
            if (!killed) throw err; // only the kill may break a request
          }
        }
      };
      const senders = Array.from({ length: SENDERS }, sender);
      // A random moment after the first acknowledgements of this round.
      const before = acknowledged.size;
      while (acknowledged.size < before + 5) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 150)));
      killed = true;
      child.kill('SIGKILL');
      await Promise.all(senders);
      await exited;
    }

    const db = openDatabase(dbPath);
    try {
      const byEmail = new Map(listInbox(db).map((row) => [JSON.parse(row.payload).email as string, row.id]));
      expect(acknowledged.size).toBeGreaterThan(ROUNDS * 5);
      for (const [n, id] of acknowledged) expect(byEmail.get(`lead${n}@example.com`), `lead ${n}`).toBe(id);
      // Each lead is stored once, and nothing was stored that a sender did not send.
      expect(new Set(byEmail.values()).size).toBe(byEmail.size);
      expect(byEmail.size).toBeLessThanOrEqual(next);
    } finally {
      db.close();
    }

    // Senders retry what they did not get acknowledged: each lead ends in the inbox once.
    const { child, url } = await startServeWorker(dbPath);
    try {
      for (let n = 0; n < next; n++) {
        const answer = await postLead(url, sampleLead(n));
        expect(answer.status).toBe(202);
        if (acknowledged.has(n)) expect(answer.json.id).toBe(acknowledged.get(n));
      }
    } finally {
      child.kill('SIGKILL');
    }
    const after = openDatabase(dbPath);
    try {
      expect(listInbox(after)).toHaveLength(next);
    } finally {
      after.close();
    }
  });
});
