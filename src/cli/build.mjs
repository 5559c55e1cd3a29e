#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through `prepare`): bundles the CLI into one file,
// dist/cli/main.mjs, so `ghl-etl` starts without compiling TypeScript or opening hundreds of
// module files. src/cli/bin.mjs uses the bundle only while it is fresh (see bundle.mjs) and
// runs the sources through tsx otherwise, so the bundle is a speed-up, never a requirement.
// better-sqlite3 stays outside: a native module is loaded from node_modules as it is; so does
// exceljs, loaded only by xlsx exports, and pg-boss, loaded only by the job queue's commands
// (worker, enqueue, schedule --queue, status on PostgreSQL), which no other command should pay to parse.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, MANIFEST, ROOT } from './bundle.mjs';

/**
 * A source that finds its files from its own place (`new URL('../../migrations',
 * import.meta.url)`) must still find them from the bundle: its `import.meta.url` becomes its
 * own file's URL, worked out from wherever the bundle is.
 */
function ownImportMetaUrl(outDir) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mjs|js)$/ }, async (args) => {
        if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const fromBundle = relative(outDir, args.path).split('\\').join('/');
        const own = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

export async function buildBundle(outFile = BUNDLE) {
  const { build } = await import('esbuild');
  const outDir = dirname(outFile);
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'exceljs', 'pg-boss'],
    // Bundled CommonJS packages call require(): give the ES module one.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
    plugins: [ownImportMetaUrl(outDir)],
  });
  // Our own sources (and the lock file, for the packages bundled with them): if any is newer
  // than the bundle, bin.mjs runs the sources instead.
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/'));
  const sources = inputs.map((p) => relative(ROOT, join(process.cwd(), p)).split('\\').join('/'));
  await writeFile(join(outDir, MANIFEST), JSON.stringify({ sources: [...sources, 'package-lock.json'] }) + '\n');
  return outFile;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  try {
    const out = await buildBundle(process.argv[2] ?? BUNDLE);
    process.stderr.write(`ghl-etl: built ${relative(process.cwd(), out)}\n`);
  } catch (err) {
    // The bin works without the bundle (through tsx, slower to start): say so, do not fail the install.
    process.stderr.write(`ghl-etl: could not build the bundle (${err.message.split('\n')[0]}); the CLI runs from the TypeScript sources instead\n`);
  }
}
