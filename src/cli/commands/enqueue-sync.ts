// `ghl-etl enqueue sync [--all | --location ID ...] [--full]`: one location-sync job per location
// in the PostgreSQL job queue, for `ghl-etl worker` processes to take (src/queue/). Prints the job
// ids; a location whose job is already waiting gets that job's id (the request is folded into it).
import type { Command } from 'commander';
import { enqueueSyncs } from '../../queue/enqueue.ts';
import { UsageError } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { chooseLocations } from '../locations.ts';
import { writeOut } from '../../terminal-text.ts';

interface EnqueueFlags {
  all?: boolean;
  location?: string[];
  full?: boolean;
}

export function register(program: Command): void {
  leaf<EnqueueFlags>(group(program, 'enqueue').command('sync')
    .summary('Queue a sync of every configured location (or those named) for the workers; prints the job ids')
    .option('--all', 'every configured location (the default)')
    .option('--location <id...>', 'only these configured locations (repeatable)')
    .option('--full', 're-read every contact\'s tasks and notes (a waiting job of the location is made full)'),
  async (opts) => {
    const config = configOf(opts);
    if (opts.all && opts.location) throw new UsageError('give --all or --location, not both');
    const ids = opts.location
      ? [...new Set(opts.location)].map((id) => chooseLocations(config, id)[0]!.id)
      : chooseLocations(config, undefined).map((l) => l.id);
    return withApp(config, async (app) => {
      const queue = await app.queue();
      const results = await enqueueSyncs(queue, ids, opts.full ?? false);
      if (opts.json) printJson({ jobs: results });
      else for (const r of results) writeOut(`${r.locationId}: ${r.jobId}${r.folded ? ' (already waiting: folded into it)' : ''}\n`);
      return EXIT.ok;
    }, { postgres: true });
  });
}
