// `ghl-etl contacts bulk tags add|remove --tag T... SELECTION` and `contacts bulk business
// (--business ID | --remove) SELECTION` (src/ops bulkTag, bulkBusiness). SELECTION is one of
// --ids ID,..., --segment NAME (config "segments") or the export's tag rule (--where-tag T...
// [--match any|all] [--exclude-tag T]...), read from the mirror. --dry-run prints how many
// contacts and which chunks, and sends nothing.
import type { Command } from 'commander';
import { findSegment } from '../../export/configured.ts';
import { checkRule, ruleFromSegment } from '../../export/segment.ts';
import { BULK_CHUNK, bulkBusiness, bulkTag, type BulkPlan, type BulkResult, type BulkSelection } from '../../ops/index.ts';
import { oneOf, UsageError } from '../args.ts';
import { configOf, group, leaf, printJson, type CommonOptions } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { repeatable, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';
import { subgroup } from '../subgroup.ts';

interface SelectionFlags extends LocationFlags {
  ids?: string[];
  segment?: string;
  whereTag?: string[];
  match?: 'any' | 'all';
  excludeTag?: string[];
  dryRun?: boolean;
}

function withSelection(cmd: Command): Command {
  return withLocationFlag(cmd)
    .option('--ids <ids>', 'these contacts (ids separated by commas; repeatable)', repeatable)
    .option('--segment <name>', 'the contacts of a named segment from the config file ("segments"), as the mirror has them')
    .option('--where-tag <tag>', 'the contacts with this tag in the mirror (repeatable; the export\'s tag rule)', repeatable)
    .option('--match <how>', 'with --where-tag: any (default) or all of the tags', oneOf(['any', 'all'] as const))
    .option('--exclude-tag <tag>', 'with --where-tag or --segment: leave out contacts with this tag (repeatable)', repeatable)
    .option('--dry-run', 'print how many contacts and which chunks, and send nothing');
}

/** The selection the flags give, and the location a named segment names (when --location is not given). */
function selectionOf(opts: SelectionFlags & CommonOptions): { selection: BulkSelection; location?: string } {
  const forms = [opts.ids && '--ids', opts.segment !== undefined && '--segment', opts.whereTag && '--where-tag'].filter(Boolean);
  if (forms.length !== 1) throw new UsageError(`choose the contacts with exactly one of --ids ID,..., --segment NAME or --where-tag T${forms.length > 1 ? ` (got ${forms.join(' and ')})` : ''}`);
  if (opts.match !== undefined && !opts.whereTag) throw new UsageError('--match goes with --where-tag');
  if (opts.ids) {
    if (opts.excludeTag) throw new UsageError('--exclude-tag goes with --where-tag or --segment, not --ids');
    return { selection: { ids: opts.ids.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '') } };
  }
  if (opts.segment !== undefined) {
    const segment = findSegment(configOf(opts), opts.segment);
    const rule = ruleFromSegment(segment);
    const excluded = [...(rule.excludeTags ?? []), ...(opts.excludeTag ?? [])];
    return { selection: { rule: checkRule({ ...rule, excludeTags: excluded }), segment: segment.name }, ...(segment.location ? { location: segment.location } : {}) };
  }
  return { selection: { rule: checkRule({ tags: opts.whereTag!, match: opts.match ?? 'any', ...(opts.excludeTag ? { excludeTags: opts.excludeTag } : {}) }) } };
}

function isPlan(outcome: BulkPlan | BulkResult): outcome is BulkPlan {
  return (outcome as BulkPlan).dryRun === true;
}

/** Prints a plan or a result; exit 1 when a contact was refused or a chunk could not be sent. */
function report(outcome: BulkPlan | BulkResult, opts: CommonOptions, done: (n: number) => string): number {
  if (isPlan(outcome)) {
    if (outcome.contacts === 0) process.stderr.write('notice: no contact matched (a segment or tag rule reads the mirror: run `ghl-etl sync` if it is behind)\n');
    if (opts.json) printJson(outcome);
    else {
      process.stdout.write(`${outcome.contacts} contacts in ${outcome.chunks.length} chunk(s) of at most ${BULK_CHUNK}\n`);
      for (const c of outcome.chunks) process.stdout.write(`chunk ${c.index}: ${c.contacts} contacts (${c.first} .. ${c.last})\n`);
      process.stderr.write('dry run: nothing was sent\n');
    }
    return EXIT.ok;
  }
  if (outcome.mirrorPending) process.stderr.write(`notice: ${outcome.mirrorPending}\n`);
  if (outcome.contacts === 0) process.stderr.write('notice: no contact matched, so nothing was sent (a segment or tag rule reads the mirror: run `ghl-etl sync` if it is behind)\n');
  if (opts.json) printJson(outcome);
  else {
    process.stdout.write(`${done(outcome.done.length)} (${outcome.chunksSent} of ${outcome.chunks} chunk(s) sent)\n`);
    for (const f of outcome.failed) process.stderr.write(`refused: contact ${f.contactId}: ${f.message}\n`);
    if (outcome.stopped) process.stderr.write(`stopped: ${outcome.stopped}\n`);
  }
  return outcome.failed.length > 0 || outcome.stopped ? EXIT.failed : EXIT.ok;
}

export function register(program: Command): void {
  const bulk = subgroup(group(program, 'contacts'), 'bulk', 'Change many contacts at once, in chunks, written through to the mirror: tags, business');
  const tags = subgroup(bulk, 'tags', 'Add or remove tags on many contacts: add, remove');
  for (const type of ['add', 'remove'] as const) {
    leaf<SelectionFlags & { tag?: string[] }>(withSelection(tags.command(type)
      .summary(type === 'add' ? 'Add tags to many contacts (their other tags stay)' : 'Remove tags from many contacts')
      .option('--tag <tag>', `the tag to ${type} (repeatable)`, repeatable)),
    async (opts) => {
      if (!opts.tag || opts.tag.length === 0) throw new UsageError(`give the tag(s) to ${type} with --tag T`);
      const { selection, location } = selectionOf(opts);
      return withOps({ ...opts, ...(opts.location === undefined && location ? { location } : {}) }, async (ctx) => {
        const outcome = await bulkTag(ctx, { type, tags: opts.tag!, selection }, { dryRun: opts.dryRun ?? false });
        return report(outcome, opts, (n) => `${type === 'add' ? 'added' : 'removed'} ${opts.tag!.join(', ')} ${type === 'add' ? 'to' : 'from'} ${n} contacts`);
      });
    });
  }

  leaf<SelectionFlags & { business?: string; remove?: boolean }>(withSelection(bulk.command('business')
    .summary('Link many contacts to a business, or unlink them with --remove')
    .option('--business <id>', 'the business to link them to')
    .option('--remove', 'unlink them from their business')),
  async (opts) => {
    if ((opts.business === undefined) === !opts.remove) throw new UsageError('give exactly one of --business ID or --remove');
    const { selection, location } = selectionOf(opts);
    return withOps({ ...opts, ...(opts.location === undefined && location ? { location } : {}) }, async (ctx) => {
      const outcome = await bulkBusiness(ctx, { businessId: opts.remove ? null : opts.business!, selection }, { dryRun: opts.dryRun ?? false });
      return report(outcome, opts, (n) => (opts.remove ? `unlinked ${n} contacts from their business` : `linked ${n} contacts to business ${opts.business}`));
    });
  });
}
