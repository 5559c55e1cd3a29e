// The contact actions HighLevel keeps outside the contact record (issue 20): workflows,
// campaigns, followers; and the single reads (the contact, a task, a note, appointments, the
// duplicate lookup). The mirror holds none of the actions' results, so they are written nowhere
// but the command's output. Each validates its input before any call.
//
// A workflow enrolment or a campaign add whose answer is lost is not repeated (src/ghl/
// contact-actions.ts): the Contacts API cannot say whether it landed, so the error says so and
// what to check, and an --idempotency-key stays pending so a rerun with it refuses to send again.
import { findDuplicateContact } from '../ghl/contacts-lookup.ts';
import { isGhlError, type FollowersChange } from '../ghl/index.ts';
import type * as Api from '../highlevel-api/api-types.ts';
import { catalogEntry } from './catalog.ts';
import { mirrorOfOps, plan, type OpsContext, type WriteOptions } from './context.ts';
import { OperationError, OperationInputError } from './errors.ts';
import { runWrite, wrapped, type Outcome, type Replayable } from './run.ts';
import { checkEmail, checkId, checkIsoDate, checkPhone } from './validate.ts';

export interface ContactActionResult extends Replayable {
  contactId: string;
  /** The workflow or campaign acted on (absent for "every campaign"). */
  workflowId?: string;
  campaignId?: string;
  eventStartTime?: string;
}

export interface FollowersResult extends Replayable {
  contactId: string;
  /** Every follower after the change, as HighLevel answered. */
  followers: string[];
  /** Those this call added or removed. */
  changed: string[];
}

const label = (action: string) => catalogEntry(action).command.split(' ').slice(0, 3).join(' ');

/** Sends a call whose repeat is unsafe; a lost answer becomes an error that says what to check. */
async function once(action: string, what: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (err) {
    if (isGhlError(err, 'outcome-unknown')) {
      throw new OperationError(label(action), err, {
        note: `HighLevel may have ${what} before the answer was lost; the Contacts API cannot tell, so check the contact in HighLevel before running it again (it was not repeated)`,
      });
    }
    throw err;
  }
}

/**
 * For runWrite's `findEarlier`: an earlier run with the same idempotency key never learnt its
 * outcome. There is nothing to look up, so the key refuses to send again (a new key would).
 */
const refuseUnknown = (what: string) => async (): Promise<never> => {
  throw new OperationInputError('idempotencyKey', `an earlier run with this key may have ${what} (its answer was lost); check the contact in HighLevel, then use a new key to send it again`);
};

export async function addToWorkflow<O extends WriteOptions>(
  ctx: OpsContext, contactId: string, workflowId: string, input: { eventStartTime?: string } = {}, opts?: O,
): Promise<Outcome<O, ContactActionResult>> {
  const id = checkId('contactId', contactId);
  const workflow = checkId('workflowId', workflowId);
  const eventStartTime = input.eventStartTime === undefined ? undefined : checkIsoDate('eventStartTime', input.eventStartTime);
  const body = eventStartTime !== undefined ? { eventStartTime } : {};
  return await runWrite<ContactActionResult>(ctx, opts, {
    action: 'addToWorkflow',
    contactId: id,
    planned: [plan('addToWorkflow', { contactId: id, workflowId: workflow }, { body })],
    send: async () => {
      await once('addToWorkflow', `enrolled contact ${id} in workflow ${workflow}`, () => ctx.client.addContactToWorkflow(ctx.locationId, id, workflow, eventStartTime));
      return { result: { contactId: id, workflowId: workflow, ...(eventStartTime ? { eventStartTime } : {}), replayed: false }, mirror: async () => {} };
    },
    findEarlier: refuseUnknown(`enrolled contact ${id} in workflow ${workflow}`),
  }) as Outcome<O, ContactActionResult>;
}

export async function removeFromWorkflow<O extends WriteOptions>(ctx: OpsContext, contactId: string, workflowId: string, opts?: O): Promise<Outcome<O, ContactActionResult>> {
  const id = checkId('contactId', contactId);
  const workflow = checkId('workflowId', workflowId);
  return await runWrite<ContactActionResult>(ctx, opts, {
    action: 'removeFromWorkflow',
    contactId: id,
    planned: [plan('removeFromWorkflow', { contactId: id, workflowId: workflow }, { body: {} })],
    send: async () => {
      await ctx.client.removeContactFromWorkflow(ctx.locationId, id, workflow);
      return { result: { contactId: id, workflowId: workflow, replayed: false }, mirror: async () => {} };
    },
  }) as Outcome<O, ContactActionResult>;
}

export async function addToCampaign<O extends WriteOptions>(ctx: OpsContext, contactId: string, campaignId: string, opts?: O): Promise<Outcome<O, ContactActionResult>> {
  const id = checkId('contactId', contactId);
  const campaign = checkId('campaignId', campaignId);
  return await runWrite<ContactActionResult>(ctx, opts, {
    action: 'addToCampaign',
    contactId: id,
    planned: [plan('addToCampaign', { contactId: id, campaignId: campaign }, { body: {} })],
    send: async () => {
      await once('addToCampaign', `added contact ${id} to campaign ${campaign}`, () => ctx.client.addContactToCampaign(ctx.locationId, id, campaign));
      return { result: { contactId: id, campaignId: campaign, replayed: false }, mirror: async () => {} };
    },
    findEarlier: refuseUnknown(`added contact ${id} to campaign ${campaign}`),
  }) as Outcome<O, ContactActionResult>;
}

export async function removeFromCampaign<O extends WriteOptions>(ctx: OpsContext, contactId: string, campaignId: string, opts?: O): Promise<Outcome<O, ContactActionResult>> {
  const id = checkId('contactId', contactId);
  const campaign = checkId('campaignId', campaignId);
  if (campaign === 'removeAll') throw new OperationInputError('campaignId', '"removeAll" is not a campaign id; use `contacts campaigns remove-all CONTACT_ID`');
  return await runWrite<ContactActionResult>(ctx, opts, {
    action: 'removeFromCampaign',
    contactId: id,
    planned: [plan('removeFromCampaign', { contactId: id, campaignId: campaign })],
    send: async () => {
      await ctx.client.removeContactFromCampaign(ctx.locationId, id, campaign);
      return { result: { contactId: id, campaignId: campaign, replayed: false }, mirror: async () => {} };
    },
  }) as Outcome<O, ContactActionResult>;
}

export async function removeFromAllCampaigns<O extends WriteOptions>(ctx: OpsContext, contactId: string, opts?: O): Promise<Outcome<O, ContactActionResult>> {
  const id = checkId('contactId', contactId);
  return await runWrite<ContactActionResult>(ctx, opts, {
    action: 'removeFromAllCampaigns',
    contactId: id,
    planned: [plan('removeFromAllCampaigns', { contactId: id })],
    send: async () => {
      await ctx.client.removeContactFromAllCampaigns(ctx.locationId, id);
      return { result: { contactId: id, replayed: false }, mirror: async () => {} };
    },
  }) as Outcome<O, ContactActionResult>;
}

function checkUserIds(userIds: unknown): string[] {
  if (!Array.isArray(userIds) || userIds.length === 0) throw new OperationInputError('followers', 'give at least one user id');
  return [...new Set(userIds.map((u, i) => checkId(`followers.${i}`, typeof u === 'string' ? u.trim() : u)))];
}

async function changeFollowers<O extends WriteOptions>(
  ctx: OpsContext, action: 'addFollowers' | 'removeFollowers', contactId: string, userIds: string[], opts?: O,
): Promise<Outcome<O, FollowersResult>> {
  const id = checkId('contactId', contactId);
  const followers = checkUserIds(userIds);
  return await runWrite<FollowersResult>(ctx, opts, {
    action,
    contactId: id,
    planned: [plan(action, { contactId: id }, { body: { followers } })],
    send: async () => {
      const change: FollowersChange = action === 'addFollowers'
        ? await ctx.client.addContactFollowers(ctx.locationId, id, followers)
        : await ctx.client.removeContactFollowers(ctx.locationId, id, followers);
      return { result: { contactId: id, followers: change.followers, changed: change.changed, replayed: false }, mirror: async () => {} };
    },
  }) as Outcome<O, FollowersResult>;
}

export function addFollowers<O extends WriteOptions>(ctx: OpsContext, contactId: string, userIds: string[], opts?: O): Promise<Outcome<O, FollowersResult>> {
  return changeFollowers(ctx, 'addFollowers', contactId, userIds, opts);
}

export function removeFollowers<O extends WriteOptions>(ctx: OpsContext, contactId: string, userIds: string[], opts?: O): Promise<Outcome<O, FollowersResult>> {
  return changeFollowers(ctx, 'removeFollowers', contactId, userIds, opts);
}

// ---- reads ------------------------------------------------------------------------------------

/** A contact as HighLevel has it now (`contacts show --live` builds its view from the same call). */
export async function getContact(ctx: OpsContext, contactId: string): Promise<Api.Contact> {
  const id = checkId('contactId', contactId);
  return wrapped('contacts show', () => ctx.client.getContact(ctx.locationId, id));
}

export async function listAppointments(ctx: OpsContext, contactId: string): Promise<Api.Appointment[]> {
  const id = checkId('contactId', contactId);
  return wrapped('contacts appointments', () => ctx.client.listContactAppointments(ctx.locationId, id));
}

/** One task: from the mirror (undefined when it has none), or from HighLevel with `live`. */
export async function getTask(ctx: OpsContext, contactId: string, taskId: string, q: { live?: boolean } = {}): Promise<Api.Task | undefined> {
  const id = checkId('contactId', contactId);
  const task = checkId('taskId', taskId);
  if (!q.live) return (await mirrorOfOps(ctx).mirroredChildren('tasks', id) as Api.Task[]).find((t) => t.id === task);
  return wrapped('tasks show', () => ctx.client.getTask(ctx.locationId, id, task));
}

export async function getNote(ctx: OpsContext, contactId: string, noteId: string, q: { live?: boolean } = {}): Promise<Api.Note | undefined> {
  const id = checkId('contactId', contactId);
  const note = checkId('noteId', noteId);
  if (!q.live) return (await mirrorOfOps(ctx).mirroredChildren('notes', id) as Api.Note[]).find((n) => n.id === note);
  return wrapped('notes show', () => ctx.client.getNote(ctx.locationId, id, note));
}

/**
 * The contact HighLevel calls a duplicate of this email (or phone): GET /contacts/search/duplicate,
 * which follows the location's duplicate settings; undefined when there is none. Always asks
 * HighLevel: the mirror may not have a contact created since the last sync.
 */
export async function findDuplicate(ctx: OpsContext, by: { email?: string; phone?: string }): Promise<Api.Contact | undefined> {
  if ((by.email === undefined) === (by.phone === undefined)) throw new OperationInputError('email', 'give either an email or a phone');
  const query = by.email !== undefined ? { email: checkEmail('email', by.email) } : { phone: checkPhone('phone', by.phone, ctx.config.phoneCountry) };
  return wrapped('contacts duplicate', () => findDuplicateContact(ctx.client.transport, ctx.locationId, query));
}
