// Where the CLI bundle lives and whether it may be used: only while no source it was built from
// has changed since (an edit, a checkout, `npm install` of another package version), so the
// binary and the tests that spawn it always run the code in src/.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist', 'cli', 'main.mjs');
/** Beside the bundle: the files it was built from, relative to the root. */
export const MANIFEST = 'sources.json';

/** True when `bundle` exists and none of the sources listed beside it is newer. */
export function bundleIsFresh(bundle = BUNDLE, root = ROOT) {
  try {
    const builtAt = statSync(bundle).mtimeMs;
    const { sources } = JSON.parse(readFileSync(join(bundle, '..', MANIFEST), 'utf8'));
    for (const source of sources) {
      if (statSync(join(root, source)).mtimeMs > builtAt) return false;
    }
    return sources.length > 0;
  } catch {
    // No bundle, no manifest, or a source gone (renamed or deleted since the build).
    return false;
  }
}
