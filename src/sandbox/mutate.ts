// "A day of changes" for the sandbox: a deterministic mix of contact, tag, task and note
// writes. Every change goes through the store's public write methods, so the same rules
// apply as to API writes (dateUpdated moves on contact writes only, duplicates are refused).

import { createRng, deriveSeed, type Rng } from './random.ts';
import { TAGS } from './names.ts';
import { asciiSlug, randomCustomValue, randomNoteBody, randomPerson, randomPhone, randomPlace, randomTags, randomTaskBody } from './seed.ts';
import { SandboxError, type SandboxStore } from './types.ts';

/** What mutate needs beyond the HTTP surface: random access to a location's contacts. */
export interface MutationTarget extends SandboxStore {
  locationIds(): string[];
  contactCount(locationId: string): number;
  /** The contact at this position in keyset order. */
  contactIdAt(locationId: string, position: number): string | undefined;
  users(locationId: string): string[];
}

const KINDS = ['contact.update', 'contact.tags', 'contact.create', 'contact.delete', 'task', 'note'] as const;
type Kind = (typeof KINDS)[number];
const WEIGHTS: Record<Kind, number> = {
  'contact.update': 30, 'contact.tags': 15, 'contact.create': 10, 'contact.delete': 5, task: 20, note: 20,
};

interface MutationContext {
  store: MutationTarget;
  rng: Rng;
  locationId: string;
  /** Makes emails of this run unique, so creates are not refused as duplicates by accident. */
  tag: string;
}

function randomContactId(ctx: MutationContext): string | undefined {
  const count = ctx.store.contactCount(ctx.locationId);
  return count === 0 ? undefined : ctx.store.contactIdAt(ctx.locationId, ctx.rng.int(0, count - 1));
}

function customFieldWrites(ctx: MutationContext, count: number): Array<Record<string, unknown>> {
  const fields = ctx.store.customFields(ctx.locationId);
  const writes: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count && fields.length > 0; i++) {
    const field = ctx.rng.pick(fields);
    // Both spellings HighLevel accepts: by id, and by key with or without "contact.".
    const ref = ctx.rng.chance(0.5) ? { id: field.id } : { key: ctx.rng.chance(0.5) ? field.fieldKey : field.fieldKey.replace(/^contact\./, '') };
    writes.push({ ...ref, field_value: randomCustomValue(ctx.rng, field) });
  }
  return writes;
}

function uniqueEmail(ctx: MutationContext, first: string | null, serial: number): string {
  return `${asciiSlug(first ?? 'contacto') || 'contacto'}.${ctx.tag}.${serial}@example.com`;
}

function updateContact(ctx: MutationContext, contactId: string, serial: number): void {
  const { rng } = ctx;
  const body: Record<string, unknown> = {};
  const person = randomPerson(rng, serial);
  if (rng.chance(0.3)) body.firstName = person.firstName;
  if (rng.chance(0.2)) body.lastName = person.lastName;
  if (rng.chance(0.25)) body.email = uniqueEmail(ctx, person.firstName, serial);
  if (rng.chance(0.2)) body.phone = randomPhone(rng, randomPlace(rng));
  if (rng.chance(0.1)) body.companyName = person.companyName;
  if (rng.chance(0.05)) body.dnd = rng.chance(0.5);
  if (rng.chance(0.5) || Object.keys(body).length === 0) body.customFields = customFieldWrites(ctx, rng.int(1, 2));
  ctx.store.updateContact(contactId, body);
}

function createContact(ctx: MutationContext, serial: number): void {
  const { rng } = ctx;
  const person = randomPerson(rng, serial);
  const body: Record<string, unknown> = {
    firstName: person.firstName,
    lastName: person.lastName,
    email: person.email === null ? null : uniqueEmail(ctx, person.firstName, serial),
    phone: person.phone,
    companyName: person.companyName,
    country: person.place.country,
    timezone: person.place.timezone,
    source: rng.pick(['web form', 'leadcars', 'facebook', 'walk-in']),
    tags: randomTags(rng),
    customFields: customFieldWrites(ctx, rng.int(0, 3)),
  };
  const users = ctx.store.users(ctx.locationId);
  if (users.length > 0 && rng.chance(0.7)) body.assignedTo = rng.pick(users);
  ctx.store.createContact(ctx.locationId, body);
}

function changeTags(ctx: MutationContext, contactId: string): string {
  const { rng, store } = ctx;
  const current = store.getContact(contactId)?.tags ?? [];
  if (current.length > 0 && rng.chance(0.5)) {
    store.removeTags(contactId, [rng.pick(current)]);
    return 'contact.tags.remove';
  }
  const added = [TAGS[rng.zipf(TAGS.length)]!];
  if (rng.chance(0.3)) added.push(TAGS[rng.zipf(TAGS.length)]!);
  store.addTags(contactId, added);
  return 'contact.tags.add';
}

function changeTask(ctx: MutationContext, contactId: string): string {
  const { rng, store } = ctx;
  const tasks = store.listTasks(contactId);
  const aroundMs = Date.parse(store.getContact(contactId)?.dateUpdated ?? '2026-01-01T00:00:00.000Z');
  if (tasks.length === 0 || rng.chance(0.35)) {
    store.createTask(contactId, randomTaskBody(rng, store.users(ctx.locationId), aroundMs));
    return 'task.create';
  }
  const task = rng.pick(tasks);
  const choice = rng.weighted([30, 40, 30]);
  if (choice === 0) {
    const body = randomTaskBody(rng, store.users(ctx.locationId), aroundMs);
    store.updateTask(contactId, task.id, { title: body.title, dueDate: body.dueDate });
    return 'task.update';
  }
  if (choice === 1) {
    store.completeTask(contactId, task.id, !task.completed);
    return 'task.complete';
  }
  store.deleteTask(contactId, task.id);
  return 'task.delete';
}

function changeNote(ctx: MutationContext, contactId: string): string {
  const { rng, store } = ctx;
  const notes = store.listNotes(contactId);
  if (notes.length === 0 || rng.chance(0.45)) {
    const users = store.users(ctx.locationId);
    store.createNote(contactId, { body: randomNoteBody(rng), ...(users.length > 0 ? { userId: rng.pick(users) } : {}) });
    return 'note.create';
  }
  const note = rng.pick(notes);
  if (rng.chance(0.6)) {
    store.updateNote(contactId, note.id, { body: `${note.body}\n— editado: ${randomNoteBody(rng)}` });
    return 'note.update';
  }
  store.deleteNote(contactId, note.id);
  return 'note.delete';
}

function applyOne(ctx: MutationContext, serial: number): string {
  let kind: Kind = KINDS[ctx.rng.weighted(KINDS.map((k) => WEIGHTS[k]))]!;
  const contactId = randomContactId(ctx);
  if (contactId === undefined) kind = 'contact.create';
  switch (kind) {
    case 'contact.create':
      createContact(ctx, serial);
      return kind;
    case 'contact.update':
      updateContact(ctx, contactId!, serial);
      return kind;
    case 'contact.delete':
      ctx.store.deleteContact(contactId!);
      return kind;
    case 'contact.tags':
      return changeTags(ctx, contactId!);
    case 'task':
      return changeTask(ctx, contactId!);
    case 'note':
      return changeNote(ctx, contactId!);
  }
}

/** Applies `changes` random changes; a change the store refuses (e.g. a duplicate phone) is
 * counted under `refused` and not in `applied`. */
export function applyMutations(store: MutationTarget, opts: { changes: number; seed: number; locationId?: string; run?: number }):
  { applied: number; byKind: Record<string, number> } {
  const rng = createRng(deriveSeed(opts.seed, 'mutate'));
  const locationIds = opts.locationId !== undefined ? [opts.locationId] : store.locationIds();
  const byKind: Record<string, number> = {};
  let applied = 0;
  if (locationIds.length === 0) return { applied, byKind };
  const tag = `m${(opts.seed >>> 0).toString(36)}r${opts.run ?? 0}${rng.id(4).toLowerCase()}`;
  for (let serial = 0; serial < Math.max(0, Math.trunc(opts.changes)); serial++) {
    const ctx: MutationContext = { store, rng, locationId: rng.pick(locationIds), tag };
    try {
      const kind = applyOne(ctx, serial);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      applied++;
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      byKind.refused = (byKind.refused ?? 0) + 1;
    }
  }
  return { applied, byKind };
}
