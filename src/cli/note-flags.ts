// The note flags of `notes create|update`, and the library input they make together with the
// --from document (HighLevel's body; --body overrides it).
import type { Command } from 'commander';
import type { Note } from '../highlevel-api/api-types.ts';
import type { NoteInput } from '../ops/index.ts';
import { firstLine, fromDocument, given, withWriteFlags, type WriteFlags } from './ops-command.ts';

export interface NoteFlags extends WriteFlags {
  body?: string;
}

export function withNoteFlags(cmd: Command): Command {
  cmd.option('--body <text>', 'the note\'s text (required, here or in --from)');
  return withWriteFlags(cmd, 'e.g. {"body", "userId"}');
}

export function noteInput(opts: NoteFlags): NoteInput {
  return { ...(fromDocument(opts.from) as NoteInput), ...given({ body: opts.body }) };
}

/** "note N1 on contact C1: first line of its text". */
export function noteLine(n: Note, contactId: string): string {
  return `note ${n.id} on contact ${n.contactId ?? contactId}: ${firstLine(n.body)}`;
}
