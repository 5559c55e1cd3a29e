// `ghl-etl contacts untag ID T...` (src/ops untagContact): `contacts tag` the other way.
import type { Command } from 'commander';
import { registerTagVerb } from '../tag-verb.ts';

export function register(program: Command): void {
  registerTagVerb(program, 'untag');
}
