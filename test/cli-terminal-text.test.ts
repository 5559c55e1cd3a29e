// Text from outside (a contact's name, a task's title, a note) never reaches the terminal raw:
// every human line shows control characters and escape sequences as visible escapes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseIntakeLead } from '../src/bridge/lead.ts';
import { terminalLine, terminalSafe } from '../src/terminal-text.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { useSandbox } from './helpers/sandbox.ts';
import { sampleLead } from './helpers/serve.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };
const HOSTILE = '\u001b[2J\u001b[31mRED\u001b]0;pwned\u0007';

describe('the terminal sanitiser', () => {
  it('shows control characters, escapes and bidi overrides as visible escapes, keeping tabs and newlines', () => {
    expect(terminalSafe(`${HOSTILE}\tok\n`)).toBe('\\x1b[2J\\x1b[31mRED\\x1b]0;pwned\\x07\tok\n');
    expect(terminalSafe('a\u009b31mb\u202ec\rd')).toBe('a\\x9b31mb\\u202ec\\x0dd');
    expect(terminalLine('two\r\nlines\there')).toBe('two ↵ lines here');
    expect(terminalSafe('José Muñoz 🚗')).toBe('José Muñoz 🚗');
  });
});

describe('every human line of the commands', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 2, seed: 5, rateLimit: 'none' });
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-terminal-'));
  const dbPath = join(dir, 'mirror.sqlite');
  const env = () => ({ ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: dbPath });
  const clean = async (args: string[], codes = [0]): Promise<CliResult> => {
    const result = await runCli(args, { cwd: dir, env: env() });
    expect(codes, `${args.join(' ')}: ${result.stderr}`).toContain(result.code);
    expect(result.stdout.includes('\u001b'), `raw ESC on stdout of ${args.join(' ')}: ${JSON.stringify(result.stdout)}`).toBe(false);
    expect(result.stderr.includes('\u001b'), `raw ESC on stderr of ${args.join(' ')}`).toBe(false);
    expect(result.stdout.includes('\u0007'), `raw BEL on stdout of ${args.join(' ')}`).toBe(false);
    return result;
  };

  it('prints a contact, task and note carrying escape sequences without a raw ESC byte', async () => {
    const created = await clean(['contacts', 'create', '--email', 'esc@example.com', '--first-name', HOSTILE, '--last-name', 'Ruiz']);
    const id = /created contact (\S+)/.exec(created.stdout)![1]!;
    await clean(['tasks', 'create', id, '--title', HOSTILE, '--due', '2026-12-01T09:00:00Z', '--body', HOSTILE]);
    await clean(['notes', 'create', id, '--body', `${HOSTILE}\nsecond line`]);
    const sync = await clean(['sync']);
    expect(sync.stdout).not.toBe('');
    const listed = await clean(['contacts', 'list']);
    expect(listed.stdout).toContain('\\x1b[31mRED');
    await clean(['contacts', 'show', id]);
    expect((await clean(['tasks', 'list', id])).stdout).toContain('\\x1b');
    expect((await clean(['notes', 'list', id])).stdout).toContain('\\x1b');
    await clean(['notes', 'list', id, '--live']);

    // Text stored from elsewhere: a failed outbox call's error, a run's error.
    const sqlite = new Database(dbPath);
    try {
      const now = new Date().toISOString();
      sqlite.prepare(`INSERT INTO outbox (kind, dedupe_key, payload, status, last_error, next_attempt_at, created_at, updated_at) VALUES ('leadcars.comment', ?, '{}', 'dead', ?, ?, ?, ?)`)
        .run(`comment:1:${HOSTILE}`, `LeadCars said: ${HOSTILE}`, now, now, now);
      sqlite.prepare(`UPDATE sync_runs SET error = ? WHERE id = (SELECT max(id) FROM sync_runs)`).run(`HTTP 422: ${HOSTILE}`);
    } finally {
      sqlite.close();
    }
    expect((await clean(['outbox', 'list', '--all'])).stdout).toContain('\\x1b');
    await clean(['runs']);
    // Unhealthy (the run's error) is exit 1.
    await clean(['status'], [0, 1]);
    await clean(['contacts', 'delete', id]);
  }, 180_000);
});

describe('the lead intake', () => {
  it('refuses control characters in names and other one-line fields, naming the field', () => {
    const refused = parseIntakeLead(sampleLead(1, { nombre: HOSTILE, apellidos: 'a\u202eb', campana: 'x\ny' }));
    expect(refused.ok).toBe(false);
    const reasons = refused.ok ? [] : refused.reasons;
    expect(reasons.some((r) => /^nombre: .*control characters/.test(r))).toBe(true);
    expect(reasons.some((r) => /^apellidos: /.test(r))).toBe(true);
    expect(reasons.some((r) => /^campana: /.test(r))).toBe(true);
    // A comment may span lines, but carries no escapes.
    expect(parseIntakeLead(sampleLead(2, { comentario: 'line one\nline two' })).ok).toBe(true);
    expect(parseIntakeLead(sampleLead(3, { comentario: `hi ${HOSTILE}` })).ok).toBe(false);
    expect(parseIntakeLead(sampleLead(4, { nombre: 'José María' })).ok).toBe(true);
  });
});
