// What the sandbox keeps about a contact beyond the contact object: its workflow enrolments,
// campaigns and followers (apps/contacts.json "Workflow", "Campaigns", "Followers"), and the
// appointments GET /contacts/{contactId}/appointments lists. HighLevel offers no read of a
// contact's workflows or campaigns in the Contacts API, so these show only in
// `GET /__sandbox/state` (`workflows`, `campaigns`, `followers`), for tests to check the truth.
//
// Choices where HighLevel's exact behaviour is unknown:
// - Every POST to a workflow is an enrolment of its own (a workflow that allows re-entry starts
//   again): two calls leave two entries, so a test sees a repeated enrolment. DELETE ends every
//   enrolment of that contact in that workflow. Workflow and campaign ids are not checked (the
//   Contacts API has no list of them to check against).
// - A campaign holds a contact once: adding again changes nothing.
// - Followers are a set of user ids; the answer lists them all and those the call added/removed.
// - Appointments follow from the contact id (a hash), so seeding is unchanged: about one contact
//   in four has one or two.
import { isoMs } from './seed.ts';
import { createRng, deriveSeed } from './random.ts';

export interface SandboxEnrolment {
  contactId: string;
  workflowId: string;
  /** The eventStartTime sent, if any. */
  eventStartTime: string | null;
  enrolledAt: string;
}

export interface SandboxCampaignMember {
  contactId: string;
  campaignId: string;
  addedAt: string;
}

export interface SandboxFollower {
  contactId: string;
  userId: string;
}

/** An appointment as GET /contacts/{contactId}/appointments lists it (GetEventSchema). */
export interface SandboxAppointment {
  id: string;
  calendarId: string;
  locationId: string;
  contactId: string;
  title: string;
  status: string;
  appointmentStatus: string;
  assignedUserId: string;
  notes: string;
  startTime: string;
  endTime: string;
  dateAdded: string;
  dateUpdated: string;
}

export interface ContactLinksState {
  workflows: SandboxEnrolment[];
  campaigns: SandboxCampaignMember[];
  followers: SandboxFollower[];
}

const HOUR_MS = 3_600_000;
const TITLES = ['Prueba de conducción', 'Tasación de su vehículo', 'Entrega del vehículo', 'Revisión en taller'];

export class ContactLinks {
  private readonly workflows = new Map<string, SandboxEnrolment[]>();
  private readonly campaigns = new Map<string, Map<string, SandboxCampaignMember>>();
  private readonly followers = new Map<string, Set<string>>();

  enrol(contactId: string, workflowId: string, eventStartTime: string | null, at: number): void {
    const list = this.workflows.get(contactId) ?? [];
    list.push({ contactId, workflowId, eventStartTime, enrolledAt: isoMs(at) });
    this.workflows.set(contactId, list);
  }

  unenrol(contactId: string, workflowId: string): void {
    const list = (this.workflows.get(contactId) ?? []).filter((e) => e.workflowId !== workflowId);
    if (list.length > 0) this.workflows.set(contactId, list);
    else this.workflows.delete(contactId);
  }

  addToCampaign(contactId: string, campaignId: string, at: number): void {
    const members = this.campaigns.get(contactId) ?? new Map<string, SandboxCampaignMember>();
    if (!members.has(campaignId)) members.set(campaignId, { contactId, campaignId, addedAt: isoMs(at) });
    this.campaigns.set(contactId, members);
  }

  removeFromCampaign(contactId: string, campaignId?: string): void {
    if (campaignId === undefined) {
      this.campaigns.delete(contactId);
      return;
    }
    this.campaigns.get(contactId)?.delete(campaignId);
  }

  /** Adds or removes followers; returns all of them after, and those this call changed. */
  changeFollowers(contactId: string, userIds: string[], add: boolean): { followers: string[]; changed: string[] } {
    const current = this.followers.get(contactId) ?? new Set<string>();
    const changed: string[] = [];
    for (const id of userIds) {
      if (add ? current.has(id) : !current.has(id)) continue;
      if (add) current.add(id);
      else current.delete(id);
      changed.push(id);
    }
    this.followers.set(contactId, current);
    return { followers: [...current], changed };
  }

  /** A deleted contact takes its links with it. */
  forget(contactId: string): void {
    this.workflows.delete(contactId);
    this.campaigns.delete(contactId);
    this.followers.delete(contactId);
  }

  state(contactIds: Iterable<string>): ContactLinksState {
    const out: ContactLinksState = { workflows: [], campaigns: [], followers: [] };
    for (const id of contactIds) {
      out.workflows.push(...(this.workflows.get(id) ?? []).map((e) => ({ ...e })));
      out.campaigns.push(...[...(this.campaigns.get(id)?.values() ?? [])].map((c) => ({ ...c })));
      out.followers.push(...[...(this.followers.get(id) ?? [])].map((userId) => ({ contactId: id, userId })));
    }
    return out;
  }
}

/** The contact's appointments, derived from its id (and the location's users) alone. */
export function appointmentsOf(contact: { id: string; locationId: string; dateAdded: string }, users: readonly string[]): SandboxAppointment[] {
  const rng = createRng(deriveSeed(0, 'appointments', contact.id));
  if (!rng.chance(0.25)) return [];
  const added = Date.parse(contact.dateAdded);
  const base = Number.isNaN(added) ? 0 : added;
  const count = rng.int(1, 2);
  const out: SandboxAppointment[] = [];
  for (let i = 0; i < count; i++) {
    const start = base + rng.int(1, 30 * 24) * HOUR_MS;
    const status = rng.pick(['booked', 'confirmed', 'showed', 'cancelled']);
    out.push({
      id: rng.id(),
      calendarId: rng.id(),
      locationId: contact.locationId,
      contactId: contact.id,
      title: rng.pick(TITLES),
      status,
      appointmentStatus: status,
      assignedUserId: users.length > 0 ? rng.pick(users) : rng.id(),
      notes: '',
      startTime: isoMs(start),
      endTime: isoMs(start + HOUR_MS / 2),
      dateAdded: isoMs(base),
      dateUpdated: isoMs(base),
    });
  }
  return out;
}
