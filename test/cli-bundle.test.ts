// The CLI bundle built on `npm ci` (src/cli/build.mjs): it must behave as the sources do, find
// the files the sources find beside themselves (migrations, the vendored API spec), and never be
// used once a source it was built from has changed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/cli/build.mjs';
import { bundleIsFresh, MANIFEST, ROOT } from '../src/cli/bundle.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-bundle-'));
// Inside the checkout, so better-sqlite3 (kept out of the bundle) resolves from node_modules.
mkdirSync(join(ROOT, 'dist'), { recursive: true });
const outDir = mkdtempSync(join(ROOT, 'dist', 'test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

/** Runs `main(args)` of the bundle at `bundle` in a child process, in `cwd`. */
function runBundle(bundle: string, args: string[], cwd: string) {
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', timeout: 120_000 });
}

describe('the CLI bundle', () => {
  it('built somewhere else than dist/, still runs the demo end to end (migrations, spec and sandbox found)', async () => {
    const bundle = await buildBundle(join(outDir, 'nested', 'main.mjs'));
    const help = runBundle(bundle, ['--help'], dir);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('auth login');
    expect(help.stdout).toContain('sync');

    const work = join(dir, 'demo');
    mkdirSync(work);
    const demo = runBundle(bundle, ['demo'], work);
    expect(demo.stderr).not.toMatch(/error/i);
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('The mirror:');
    expect(demo.stdout).toMatch(/contacts listed/);
  });

  it('is used only while every source listed beside it is no newer than it', () => {
    const root = join(dir, 'fresh');
    mkdirSync(join(root, 'src'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    const source = join(root, 'src', 'a.ts');
    writeFileSync(source, 'export {};\n');
    const bundle = join(root, 'dist', 'main.mjs');
    expect(bundleIsFresh(bundle, root)).toBe(false); // no bundle yet

    writeFileSync(bundle, '');
    writeFileSync(join(root, 'dist', MANIFEST), JSON.stringify({ sources: ['src/a.ts'] }));
    const built = new Date(Date.now() - 60_000);
    utimesSync(source, new Date(built.getTime() - 1000), new Date(built.getTime() - 1000));
    utimesSync(bundle, built, built);
    expect(bundleIsFresh(bundle, root)).toBe(true);

    utimesSync(source, new Date(), new Date()); // edited after the build
    expect(bundleIsFresh(bundle, root)).toBe(false);

    utimesSync(source, new Date(built.getTime() - 1000), new Date(built.getTime() - 1000));
    rmSync(source); // renamed or deleted since the build
    expect(bundleIsFresh(bundle, root)).toBe(false);
  });
});
