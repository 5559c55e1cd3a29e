// `ghl-etl contacts tag ID T...` (src/ops tagContact); `contacts untag` is the same command the
// other way (src/cli/tag-verb.ts).
import type { Command } from 'commander';
import { registerTagVerb } from '../tag-verb.ts';

export function register(program: Command): void {
  registerTagVerb(program, 'tag');
}
