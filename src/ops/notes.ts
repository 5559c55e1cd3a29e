// Note operations on a contact: create, update, delete, list. A create whose answer is lost is
// resolved by listing the contact's notes before any retry.
import type * as Api from '../highlevel-api/api-types.ts';
import type { MirrorStatements } from '../db/mirror.ts';
import { mirrorOfOps, plan, type OpsContext, type WriteOptions } from './context.ts';
import { deleteChild, ensureContactMirrored, listChildren } from './children.ts';
import type { DeleteResult } from './contacts.ts';
import { OperationInputError } from './errors.ts';
import { createOnce, LOOKUP_SKEW_MS, runWrite, type Outcome, type Replayable } from './run.ts';
import { checkId, checkText } from './validate.ts';

export interface NoteInput {
  body?: string;
  userId?: string;
}

export interface NoteResult extends Replayable {
  note: Api.Note;
  recovered: boolean;
}

function noteBody(input: NoteInput, create: boolean): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) throw new OperationInputError('note', 'expected an object');
  const { body, userId, ...rest } = input as NoteInput & Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  const text = checkText('body', body, { required: create });
  if (text !== undefined) {
    if (text === '') throw new OperationInputError('body', 'must not be empty');
    out.body = text;
  }
  if (userId !== undefined) out.userId = checkId('userId', userId);
  return out;
}

function noteResult(note: Api.Note, recovered = false): NoteResult {
  return { note, recovered, replayed: false };
}

/** The note a lost create made: same body, added since the request, not yet in the mirror. */
async function findCreatedNote(ctx: OpsContext, contactId: string, body: Record<string, unknown>, sentAt: number): Promise<Api.Note | undefined> {
  const known = await mirrorOfOps(ctx).mirroredChildIds('notes', contactId);
  const notes = await ctx.client.listContactNotes(ctx.locationId, contactId);
  return notes.find((n) =>
    !known.has(n.id) && n.body === body.body && !(Date.parse(n.dateAdded ?? '') < sentAt - LOOKUP_SKEW_MS));
}

export async function createNote<O extends WriteOptions>(ctx: OpsContext, contactId: string, input: NoteInput, opts?: O): Promise<Outcome<O, NoteResult>> {
  const id = checkId('contactId', contactId);
  const body = noteBody(input, true);
  const sentAt = (ctx.clock?.() ?? new Date()).getTime();
  const mirrored = (note: Api.Note, recovered: boolean, mirrorContact: (tx: MirrorStatements) => Promise<void>) =>
    ({ result: noteResult(note, recovered), mirror: async (tx: MirrorStatements) => { await mirrorContact(tx); await tx.writeNote(note, id, ctx.locationId, ctx.clock); } });
  return await runWrite<NoteResult>(ctx, opts, {
    action: 'createNote',
    contactId: id,
    planned: [plan('createNote', { contactId: id }, { body })],
    send: async () => {
      const mirrorContact = await ensureContactMirrored(ctx, id);
      const { record, recovered } = await createOnce(
        () => ctx.client.createNote(ctx.locationId, id, body as Api.CreateNoteBody),
        () => findCreatedNote(ctx, id, body, sentAt),
      );
      return mirrored(record, recovered, mirrorContact);
    },
    findEarlier: async (since) => {
      const found = await findCreatedNote(ctx, id, body, since);
      return found ? mirrored(found, true, await ensureContactMirrored(ctx, id)) : undefined;
    },
  }) as Outcome<O, NoteResult>;
}

export async function updateNote<O extends WriteOptions>(ctx: OpsContext, contactId: string, noteId: string, input: NoteInput, opts?: O): Promise<Outcome<O, NoteResult>> {
  const ids = { contactId: checkId('contactId', contactId), id: checkId('noteId', noteId) };
  const body = noteBody(input, false);
  if (Object.keys(body).length === 0) throw new OperationInputError('note', 'nothing to update: give a body');
  return await runWrite<NoteResult>(ctx, opts, {
    action: 'updateNote',
    contactId: ids.contactId,
    planned: [plan('updateNote', ids, { body })],
    send: async () => {
      const mirrorContact = await ensureContactMirrored(ctx, ids.contactId);
      const note = await ctx.client.updateNote(ctx.locationId, ids.contactId, ids.id, body as Api.UpdateNoteBody);
      return { result: noteResult(note), mirror: async (tx) => { await mirrorContact(tx); await tx.writeNote(note, ids.contactId, ctx.locationId, ctx.clock); } };
    },
  }) as Outcome<O, NoteResult>;
}

export function deleteNote<O extends WriteOptions>(ctx: OpsContext, contactId: string, noteId: string, opts?: O): Promise<Outcome<O, DeleteResult>> {
  return deleteChild(ctx, 'notes', { contactId, childId: noteId }, opts, (c, n) => ctx.client.deleteNote(ctx.locationId, c, n));
}

/** A contact's notes from the mirror, or from HighLevel with `live`. */
export function listNotes(ctx: OpsContext, contactId: string, q: { live?: boolean } = {}): Promise<Api.Note[]> {
  return listChildren(ctx, 'notes', contactId, q.live, (id) => ctx.client.listContactNotes(ctx.locationId, id));
}
