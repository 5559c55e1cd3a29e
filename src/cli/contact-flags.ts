// The contact flags of `contacts create|update|upsert`, and the library input they make together
// with the --from document (HighLevel's body; the flags override it, their tags are added to its).
import type { Command } from 'commander';
import type { ContactInput } from '../ops/index.ts';
import { fieldArg, fromDocument, given, repeatable, withWriteFlags, type WriteFlags } from './ops-command.ts';

export interface ContactFlags extends WriteFlags {
  email?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  tag?: string[];
  field?: Record<string, string>;
  source?: string;
}

export function withContactFlags(cmd: Command, emailRequired: boolean): Command {
  cmd
    .option('--email <email>', emailRequired ? 'the contact\'s email (an email or a phone is required)' : 'the contact\'s email')
    .option('--first-name <name>', 'first name')
    .option('--last-name <name>', 'last name')
    .option('--phone <phone>', 'phone; converted to E.164 (the config\'s "phoneCountry", default ES, for numbers without a country code)')
    .option('--tag <tag>', 'a tag to add (repeatable); never removes the contact\'s other tags', repeatable)
    .option('--field <name=value>', 'a custom field by its name or key (repeatable)', fieldArg)
    .option('--source <source>', 'the contact\'s source');
  return withWriteFlags(cmd, 'e.g. {"email", "firstName", "tags", "customFields": [{"key", "field_value"}]}');
}

export function contactInput(opts: ContactFlags): ContactInput {
  const doc = fromDocument(opts.from) as ContactInput;
  const flags = given({ email: opts.email, firstName: opts.firstName, lastName: opts.lastName, phone: opts.phone, source: opts.source });
  const input: ContactInput = { ...doc, ...flags };
  // A --from `tags` that is not a list is left for the library to refuse, naming the field.
  if (opts.tag) input.tags = doc.tags === undefined ? opts.tag : Array.isArray(doc.tags) ? [...doc.tags, ...opts.tag] : doc.tags;
  if (opts.field) input.fields = { ...(doc.fields ?? {}), ...opts.field };
  return input;
}

/** "abc123 (ana@example.com)": a contact as one short line names it. */
export function contactLabel(c: { id: string; email?: string | null; phone?: string | null; contactName?: string | null }): string {
  const who = c.email || c.phone || c.contactName;
  return who ? `${c.id} (${who})` : c.id;
}
