// The layering of issue 15, as .ci/run checks it (`npm run lint:deps`, dependency-cruiser with
// .dependency-cruiser.cjs): the source passes, and each rule bites on a small tree that breaks it
// (a command importing a command, a job importing the HTTP face, a driver outside src/db, an
// import cycle). No SQL text outside src/db is checked by reading the sources.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation { rule: { name: string }; from: string; to: string }

async function cruise(cwd: string): Promise<Violation[]> {
  const run = await promisify(execFile)(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd, maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the layering rules (.dependency-cruiser.cjs, run by .ci/run)', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

  it('the source breaks none of them, and has no import cycle', async () => {
    expect(await cruise(ROOT)).toEqual([]);
  }, 120_000);

  it('each rule of issue 15 catches the import it forbids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-layering-'));
    dirs.push(dir);
    cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', allowImportingTsExtensions: true, noEmit: true } }));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const files: Record<string, string> = {
      'src/cli/commands/contacts-untag.ts': `import { tag } from './contacts-tag.ts';\nexport const untag = tag;\n`,
      'src/cli/commands/contacts-tag.ts': `export const tag = 1;\n`,
      'src/bridge/deliver.ts': `import { schema } from '../serve/intake.ts';\nexport const s = schema;\n`,
      'src/serve/intake.ts': `export const schema = 1;\n`,
      'src/mcp/server.ts': `import { tag } from '../cli/commands/contacts-tag.ts';\nexport const t = tag;\n`,
      'src/export/rows.ts': `import Database from 'better-sqlite3';\nexport const open = () => new Database(':memory:');\n`,
      'src/sync/a.ts': `import { b } from './b.ts';\nexport const a = () => b;\n`,
      'src/sync/b.ts': `import { a } from './a.ts';\nexport const b = () => a;\n`,
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const found = (await cruise(dir)).map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/([^/]+)\/.*$/, '$1')}`);
    expect(found).toEqual(expect.arrayContaining([
      'a-command-never-imports-a-command: src/cli/commands/contacts-untag.ts -> src/cli/commands/contacts-tag.ts',
      'only-the-cli-imports-serve: src/bridge/deliver.ts -> src/serve/intake.ts',
      'only-the-cli-imports-the-cli: src/mcp/server.ts -> src/cli/commands/contacts-tag.ts',
      'only-db-talks-to-the-database: src/export/rows.ts -> better-sqlite3',
      'no-cycles: src/sync/a.ts -> src/sync/b.ts',
    ]));
  }, 120_000);
});

describe('SQL lives in src/db', () => {
  it('no statement text is built outside src/db (queries shown to the user for the sqlite3 shell aside: the demo\'s, a status hint)', () => {
    const sourceFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
    const statement = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|VIEW)|\.prepare\()/;
    const offenders = sourceFiles(join(ROOT, 'src'))
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.startsWith('src/db/') && file !== 'src/cli/commands/demo.ts')
      .filter((file) => readFileSync(join(ROOT, file), 'utf8').split('\n').some((line) => statement.test(line) && !line.includes('sqlite3 ')));
    expect(offenders).toEqual([]);
  });
});
