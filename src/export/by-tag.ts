// One CSV per tag. Tags are free text ("VIP", "vip", "a/b", "../x", "ñandú", "con"), so file
// names are derived, never the tag itself: a tag that is already a safe lower-case slug keeps its
// own name (vip.csv); any other gets its slug plus a short hash of the exact tag text
// (vip-3f2a9c1d.csv), which keeps names distinct for distinct tags, stable from night to night,
// and distinct on case-insensitive filesystems too.
import { createHash } from 'node:crypto';
import { createReadStream, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Db } from '../db/open.ts';
import type { Mirror } from '../db/mirror.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import type { ExportKind } from '../db/exports.ts';
import { liveTags } from '../db/export-rows.ts';
import { exportSegment, type ExportOptions, type ExportResult } from './export-segment.ts';
import { extensionOf, type ExportFormat } from './format.ts';
import { ExportUsageError } from './errors.ts';
import { checkRule, type SegmentRule } from './segment.ts';

export { liveTags };

const MAX_SLUG = 60;
// Names Windows refuses whatever the extension (the CSVs are often copied to Windows shares).
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

/** Lower-case ASCII letters, digits and single dashes, accents folded (ñandú -> nandu). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

/** A file base name for free text: the text itself when it is a safe slug, else slug + hash. */
export function safeFileBase(text: string): string {
  const slug = slugify(text);
  return slug !== '' && slug === text && !RESERVED.test(slug) ? slug : `${slug || 'tag'}-${shortHash(text, 8)}`;
}

/**
 * File base names (no extension) for `tags`, one per tag, all distinct. Pure, so the naming can
 * be shown and tested without a database.
 */
export function tagFileNames(tags: string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const tag of new Set(tags)) names.set(tag, safeFileBase(tag));
  // A plain tag could spell another tag's hashed name ("vip-3f2a9c1d"): lengthen the hashes of
  // any name that is not unique until it is.
  const uses = new Map<string, number>();
  for (const name of names.values()) uses.set(name, (uses.get(name) ?? 0) + 1);
  for (const [tag, name] of names) {
    if ((uses.get(name) ?? 0) > 1 && name !== tag) names.set(tag, `${slugify(tag) || 'tag'}-${shortHash(tag, 64)}`);
  }
  return names;
}

export interface ByTagOptions extends Omit<ExportOptions, 'rule' | 'out' | 'segment'> {
  /**
   * Further conditions every per-tag file applies (a location, has email...). Its own tags, if
   * any, are ignored: each file selects exactly one tag.
   */
  rule?: SegmentRule | undefined;
}

export interface ByTagResult {
  dir: string;
  files: Array<ExportResult & { tag: string }>;
  /**
   * Files earlier per-tag exports wrote into `dir` for tags no contact in the mirror has any more,
   * removed because they still held exactly what was written (see removeVanishedTagFiles).
   */
  removed: Array<{ tag: string; path: string }>;
  /** Such files left in place because they changed since they were written (someone edited them). */
  keptChanged: Array<{ tag: string; path: string }>;
}

/** The file for a tag and kind: `<name>.csv`, or `<name>.tasks.csv` / `<name>.notes.csv` (`.xlsx` for xlsx). */
export function fileFor(dir: string, base: string, kind: ExportKind, format: ExportFormat = 'csv'): string {
  return join(dir, (kind === 'contacts' ? base : `${base}.${kind}`) + extensionOf(format));
}

/**
 * Writes one CSV per live tag into `dir` (created if missing), each recorded in export_runs as
 * segment `tag:<tag>`. Stops at the first failure (its run recorded failed) and rethrows.
 */
export async function exportByTag(given: Db | Mirror, dir: string, options: ByTagOptions = {}): Promise<ByTagResult> {
  const db = mirrorOf(given);
  const base = checkRule(options.rule ?? {});
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new ExportUsageError(`--out-dir ${dir} is a file, not a folder: name a folder (it is created if missing)`);
  const names = tagFileNames(await db.liveTags(base.locationId));
  const kind = options.kind ?? 'contacts';
  const files: ByTagResult['files'] = [];
  for (const [tag, name] of names) {
    const result = await exportSegment(db, {
      ...options,
      kind,
      rule: { ...base, tags: [tag], match: 'any', exactTags: true },
      segment: `tag:${tag}`,
      out: fileFor(dir, name, kind, options.format),
    });
    files.push({ ...result, tag });
  }
  return { dir, files, ...(await removeVanishedTagFiles(db, dir, kind, options.format ?? 'csv', files.map((f) => f.path))) };
}

/**
 * A tag that left every contact would otherwise keep its file from an earlier night, and an
 * analyst pulling `vip.csv` would read contacts that are no longer VIPs. So the files earlier
 * per-tag exports of this kind and format wrote into `dir`, for tags on no live contact of the
 * whole mirror now (not only of this export's rule: another rule may still write them), are
 * removed, but only while their bytes are exactly what was written (sha256 in export_runs): a
 * file edited or replaced since, or one ghl-etl never wrote, is never touched.
 */
async function removeVanishedTagFiles(
  db: Mirror, dir: string, kind: ExportKind, format: ExportFormat, writtenNow: string[],
): Promise<Pick<ByTagResult, 'removed' | 'keptChanged'>> {
  const result: Pick<ByTagResult, 'removed' | 'keptChanged'> = { removed: [], keptChanged: [] };
  const earlier = (await db.tagFilesWritten(kind)).filter((f) =>
    resolve(dirname(f.path)) === resolve(dir) && f.path.endsWith(extensionOf(format)));
  if (earlier.length === 0) return result;
  const live = new Set(await db.liveTags());
  const written = new Set(writtenNow.map((p) => resolve(p)));
  for (const file of earlier) {
    if (live.has(file.tag) || written.has(resolve(file.path))) continue;
    const now = statSync(file.path, { throwIfNoEntry: false });
    if (!now?.isFile()) continue;
    if ((await sha256Of(file.path)) !== file.sha256) {
      result.keptChanged.push({ tag: file.tag, path: file.path });
      continue;
    }
    unlinkSync(file.path);
    result.removed.push({ tag: file.tag, path: file.path });
  }
  return result;
}

function sha256Of(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path).on('error', fail).on('data', (chunk) => hash.update(chunk)).on('end', () => done(hash.digest('hex')));
  });
}
