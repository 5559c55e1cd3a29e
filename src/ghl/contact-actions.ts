// The Contacts API's actions beyond the contact record itself (issue 20): workflows, campaigns,
// followers, appointments, and the bulk tag and business updates. Shapes come from the generated
// types (spec + overlay).
//
// Which calls may be repeated after an unknown outcome (a dropped connection, a 5xx):
// - a workflow enrolment is not: a workflow that allows re-entry would start again, and the
//   Contacts API offers no read to learn whether the first call landed; nor is a campaign add
//   (POST, HighLevel says nothing of repeats). Both throw a GhlError of kind 'outcome-unknown' instead.
// - followers, removals and the bulk updates are: each sets a state, and setting it twice leaves
//   the same state.
import type * as Api from '../highlevel-api/api-types.ts';
import type { Transport } from './transport.ts';

const enc = encodeURIComponent;

export interface FollowersChange {
  followers: string[];
  /** The followers this call added (or removed). */
  changed: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function contactActionsApi(t: Transport) {
  async function addContactToWorkflow(locationId: string, contactId: string, workflowId: string, eventStartTime?: string): Promise<void> {
    await t.request({
      name: 'addContactToWorkflow', method: 'POST', path: `/contacts/${enc(contactId)}/workflow/${enc(workflowId)}`, locationId,
      body: eventStartTime !== undefined ? { eventStartTime } : {}, idempotent: false,
    });
  }

  async function removeContactFromWorkflow(locationId: string, contactId: string, workflowId: string): Promise<void> {
    await t.request({ name: 'removeContactFromWorkflow', method: 'DELETE', path: `/contacts/${enc(contactId)}/workflow/${enc(workflowId)}`, locationId, body: {} });
  }

  async function addContactToCampaign(locationId: string, contactId: string, campaignId: string): Promise<void> {
    await t.request({ name: 'addContactToCampaign', method: 'POST', path: `/contacts/${enc(contactId)}/campaigns/${enc(campaignId)}`, locationId, body: {}, idempotent: false });
  }

  async function removeContactFromCampaign(locationId: string, contactId: string, campaignId: string): Promise<void> {
    await t.request({ name: 'removeContactFromCampaign', method: 'DELETE', path: `/contacts/${enc(contactId)}/campaigns/${enc(campaignId)}`, locationId });
  }

  async function removeContactFromAllCampaigns(locationId: string, contactId: string): Promise<void> {
    await t.request({ name: 'removeContactFromAllCampaigns', method: 'DELETE', path: `/contacts/${enc(contactId)}/campaigns/removeAll`, locationId });
  }

  async function addContactFollowers(locationId: string, contactId: string, followers: string[]): Promise<FollowersChange> {
    const res = await t.request<{ followers?: unknown; followersAdded?: unknown }>({
      name: 'addContactFollowers', method: 'POST', path: `/contacts/${enc(contactId)}/followers`, locationId, body: { followers }, idempotent: true,
    });
    return { followers: strings(res?.followers), changed: strings(res?.followersAdded) };
  }

  async function removeContactFollowers(locationId: string, contactId: string, followers: string[]): Promise<FollowersChange> {
    const res = await t.request<{ followers?: unknown; followersRemoved?: unknown }>({
      name: 'removeContactFollowers', method: 'DELETE', path: `/contacts/${enc(contactId)}/followers`, locationId, body: { followers },
    });
    return { followers: strings(res?.followers), changed: strings(res?.followersRemoved) };
  }

  async function listContactAppointments(locationId: string, contactId: string): Promise<Api.Appointment[]> {
    const res = await t.request<Api.AppointmentsResponse>({ name: 'listContactAppointments', method: 'GET', path: `/contacts/${enc(contactId)}/appointments`, locationId });
    return Array.isArray(res?.events) ? res.events : [];
  }

  /** One chunk of a bulk tag change; one line per contact in the answer. */
  async function bulkUpdateTags(type: 'add' | 'remove', body: Api.BulkTagsBody): Promise<Api.BulkTagsResponse> {
    return t.request<Api.BulkTagsResponse>({
      name: 'bulkUpdateTags', method: 'POST', path: `/contacts/bulk/tags/update/${type}`, locationId: body.locationId, body, idempotent: true,
    });
  }

  /** Links contacts to a business (null: unlinks them); answers the ids it changed. */
  async function bulkUpdateBusiness(body: Api.BulkBusinessBody): Promise<string[]> {
    const res = await t.request<Api.BulkBusinessResponse>({
      name: 'bulkUpdateBusiness', method: 'POST', path: '/contacts/bulk/business', locationId: body.locationId, body, idempotent: true,
    });
    return strings(res?.ids);
  }

  return {
    addContactToWorkflow, removeContactFromWorkflow, addContactToCampaign, removeContactFromCampaign, removeContactFromAllCampaigns,
    addContactFollowers, removeContactFollowers, listContactAppointments, bulkUpdateTags, bulkUpdateBusiness,
  };
}

export type ContactActionsApi = ReturnType<typeof contactActionsApi>;
