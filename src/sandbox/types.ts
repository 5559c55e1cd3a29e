// The sandbox's in-memory model: objects shaped as HighLevel returns them (live shape, see
// src/highlevel-api/overlay and ../shared/ghl-api/NOTES.md), plus the store interface that the HTTP
// layer (src/sandbox/server.ts, routes) calls. The store owns HighLevel's behaviour rules;
// the HTTP layer owns transport concerns (auth, validation, rate limits, faults).
import type { ContactLinksState, SandboxAppointment } from './contact-links.ts';

export type CustomFieldValue = string | number | string[];

export interface SandboxContact {
  id: string;
  locationId: string;
  firstName: string | null;
  lastName: string | null;
  contactName: string | null; // lower-cased "first last", as live
  companyName: string | null;
  email: string | null;
  phone: string | null; // E.164
  additionalEmails: string[];
  businessId: string | null;
  source: string | null;
  type: 'lead' | 'customer';
  assignedTo: string | null;
  dnd: boolean;
  address1: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null; // ISO 3166 alpha-2
  timezone: string | null;
  website: string | null;
  dateOfBirth: string | null; // ISO date-time
  dateAdded: string; // ISO-8601 UTC, millisecond precision
  dateUpdated: string;
  tags: string[]; // lower-cased, as HighLevel stores tags
  customFields: Array<{ id: string; value: CustomFieldValue }>;
}

export interface SandboxTask {
  id: string;
  contactId: string;
  title: string;
  body: string | null;
  assignedTo: string | null;
  dueDate: string; // ISO
  completed: boolean;
}

export interface SandboxNote {
  id: string;
  contactId: string;
  body: string;
  userId: string | null;
  dateAdded: string; // ISO
}

export type CustomFieldDataType =
  | 'TEXT' | 'LARGE_TEXT' | 'NUMERICAL' | 'PHONE' | 'MONETORY' | 'CHECKBOX'
  | 'SINGLE_OPTIONS' | 'MULTIPLE_OPTIONS' | 'DATE' | 'TEXTBOX_LIST' | 'RADIO' | 'EMAIL';

export interface SandboxCustomField {
  id: string;
  name: string;
  fieldKey: string; // "contact.some_key"
  placeholder: string;
  dataType: CustomFieldDataType;
  position: number;
  picklistOptions: string[];
  locationId: string;
  model: 'contact';
}

export interface SandboxLocation {
  id: string;
  name: string;
  companyId: string;
  /** This location's Private Integration Token ("pit-" + uuid). */
  token: string;
  /** HighLevel's per-location setting; when false a duplicate create answers 400. */
  allowDuplicateContact: boolean;
}

/** A location's user as GET /users/?locationId= shows them. */
export interface SandboxUser {
  id: string;
  name: string;
  firstName: string;
  lastName: string;
  email: string;
  roles: { type: 'account'; role: 'admin' | 'user' };
}

export interface ContactCursor {
  startAfter: number; // epoch ms of the last contact's dateAdded
  startAfterId: string;
}

export interface SearchFilter {
  field?: string;
  operator?: 'eq' | 'not_eq' | 'contains' | 'not_contains' | 'exists' | 'not_exists' | 'range';
  value?: unknown;
  group?: 'AND' | 'OR';
  filters?: SearchFilter[];
}

export interface SearchRequest {
  locationId: string;
  pageLimit: number;
  page?: number;
  searchAfter?: Array<string | number>;
  filters?: SearchFilter[];
  sort?: Array<{ field: string; direction: 'asc' | 'desc' }>;
  query?: string;
}

/** A HighLevel-shaped refusal the HTTP layer turns into a response. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string | string[],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
  }
}

/**
 * One committed change of the store, reported to `onChange` listeners (the webhook delivery):
 * objects are copies, `before`/`after` let a listener tell what moved.
 */
export type StoreChange =
  | { kind: 'contact.create'; contact: SandboxContact }
  | { kind: 'contact.update'; before: SandboxContact; after: SandboxContact }
  | { kind: 'contact.delete'; contact: SandboxContact }
  | { kind: 'task.create' | 'task.delete'; locationId: string; task: SandboxTask }
  | { kind: 'task.update'; locationId: string; before: SandboxTask; after: SandboxTask }
  | { kind: 'note.create' | 'note.update' | 'note.delete'; locationId: string; note: SandboxNote };

export interface SandboxStore {
  readonly companyId: string;
  /** Calls `listener` after every committed write (HTTP or mutate); returns the unsubscribe. */
  onChange(listener: (change: StoreChange) => void): () => void;
  locations(): SandboxLocation[];
  location(id: string): SandboxLocation | undefined;

  /** GET /contacts/: keyset order (dateAdded, id) ascending; `query` matches name/email/phone. */
  listContactsPage(locationId: string, q: { limit: number; startAfter?: number; startAfterId?: string; query?: string }):
    { contacts: SandboxContact[]; total: number; next?: ContactCursor };
  /** POST /contacts/search: each contact gets `searchAfter`. */
  searchContacts(req: SearchRequest): { contacts: Array<SandboxContact & { searchAfter: Array<string | number> }>; total: number };
  getContact(id: string): SandboxContact | undefined;
  createContact(locationId: string, body: Record<string, unknown>): SandboxContact; // throws SandboxError 400 with {meta:{contactId}} on duplicate
  updateContact(id: string, body: Record<string, unknown>): SandboxContact;
  upsertContact(locationId: string, body: Record<string, unknown>): { contact: SandboxContact; new: boolean };
  /** GET /contacts/search/duplicate: the oldest contact with this email, else with this phone. */
  findDuplicate(locationId: string, q: { email?: string; phone?: string }): SandboxContact | undefined;
  deleteContact(id: string): void;
  addTags(id: string, tags: string[]): string[];
  removeTags(id: string, tags: string[]): string[];
  contactsByBusiness(businessId: string, q: { skip: number; limit: number }): { contacts: SandboxContact[]; total: number };

  /** POST /contacts/{contactId}/workflow/{workflowId}: one more enrolment (src/sandbox/contact-links.ts). */
  enrolInWorkflow(contactId: string, workflowId: string, eventStartTime: string | null): void;
  removeFromWorkflow(contactId: string, workflowId: string): void;
  addToCampaign(contactId: string, campaignId: string): void;
  /** Without a campaign id: every campaign (DELETE .../campaigns/removeAll). */
  removeFromCampaign(contactId: string, campaignId?: string): void;
  changeFollowers(contactId: string, userIds: string[], add: boolean): { followers: string[]; changed: string[] };
  appointments(contactId: string): SandboxAppointment[];
  /** POST /contacts/bulk/tags/update/{type}: one result per id, in the request's order. */
  bulkTags(locationId: string, type: 'add' | 'remove', contactIds: string[], tags: string[], removeAllTags: boolean): BulkTagResult[];
  /** POST /contacts/bulk/business: the ids whose business was set (null: removed). */
  bulkBusiness(locationId: string, ids: string[], businessId: string | null): string[];

  listTasks(contactId: string): SandboxTask[];
  getTask(contactId: string, taskId: string): SandboxTask | undefined;
  createTask(contactId: string, body: Record<string, unknown>): SandboxTask;
  updateTask(contactId: string, taskId: string, body: Record<string, unknown>): SandboxTask;
  completeTask(contactId: string, taskId: string, completed: boolean): SandboxTask;
  deleteTask(contactId: string, taskId: string): void;
  searchTasks(locationId: string, q: { contactId?: string[]; completed?: boolean; assignedTo?: string[]; query?: string; skip: number; limit: number }):
    { tasks: SandboxTask[]; total: number };

  listNotes(contactId: string): SandboxNote[];
  getNote(contactId: string, noteId: string): SandboxNote | undefined;
  createNote(contactId: string, body: Record<string, unknown>): SandboxNote;
  updateNote(contactId: string, noteId: string, body: Record<string, unknown>): SandboxNote;
  deleteNote(contactId: string, noteId: string): void;

  customFields(locationId: string): SandboxCustomField[];
  /** The users tasks and contacts are assigned to. */
  locationUsers(locationId: string): SandboxUser[];

  /** Ground truth for tests: everything live in one location (or all). */
  state(locationId?: string): SandboxState;
  /** A day of changes, deterministic in `seed`: creates, updates, tag changes, deletes, task and note changes. */
  mutate(opts: { changes: number; seed: number; locationId?: string }): { applied: number; byKind: Record<string, number> };
}

/** One contact's line in a bulk tags answer (UpdateTagsResponseDTO.responses). */
export interface BulkTagResult {
  contactId: string;
  message: string;
  type: 'success' | 'error';
  oldTags?: string[];
  tagsAdded?: string[];
  tagsRemoved?: string[];
}

/** `GET /__sandbox/state`: the records as HighLevel shows them, plus what only the sandbox can show (contact-links.ts). */
export interface SandboxState extends ContactLinksState {
  contacts: SandboxContact[];
  tasks: SandboxTask[];
  notes: SandboxNote[];
  customFields: SandboxCustomField[];
}

export interface SeedOptions {
  seed: number;
  locations: number;
  contactsPerLocation: number;
  /** The clock: contact writes set dateUpdated from it. Defaults to Date.now. */
  now?: () => number;
  /** Seed what `--quirks` plays too (src/sandbox/quirks.ts seedQuirkyData). */
  quirks?: boolean;
}
