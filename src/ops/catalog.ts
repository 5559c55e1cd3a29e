// The registry of what the tool can do to single HighLevel records: one entry per action, with
// the HighLevel route it calls, the scope that route needs and the command that runs it.
// `ghl-etl catalog` is generated from this list and the operations render their dry runs from
// it, so neither can drift from the other; test/ops-catalog.test.ts checks every route against
// the vendored spec.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteRef {
  method: HttpMethod;
  /** HighLevel's path template, `{name}` for a parameter, as in the spec. */
  path: string;
  scope: string;
}

export interface CatalogEntry extends RouteRef {
  /** The library function (src/ops) that performs the action. */
  name: string;
  kind: 'action';
  /** The command line that runs it. */
  command: string;
  summary: string;
  /** Other routes the action may call: reading the result back, or finding a create whose answer was lost. */
  also: RouteRef[];
}

const READ = 'contacts.readonly';
const WRITE = 'contacts.write';
const r = (method: HttpMethod, path: string, scope: string): RouteRef => ({ method, path, scope });

const GET_CONTACT = r('GET', '/contacts/{contactId}', READ);
const FIND_DUPLICATE = r('GET', '/contacts/search/duplicate', READ);
const SEARCH = r('POST', '/contacts/search', READ);
const ADD_TAGS = r('POST', '/contacts/{contactId}/tags', WRITE);
const LIST_TASKS = r('GET', '/contacts/{contactId}/tasks', READ);
const LIST_NOTES = r('GET', '/contacts/{contactId}/notes', READ);
const WORKFLOW = '/contacts/{contactId}/workflow/{workflowId}';
const CAMPAIGN = '/contacts/{contactId}/campaigns/{campaignId}';
const FOLLOWERS = '/contacts/{contactId}/followers';
const SELECTION = '(--ids ID,... | --segment NAME | --where-tag T... [--match any|all] [--exclude-tag T]...)';

function entry(name: string, route: RouteRef, command: string, summary: string, also: RouteRef[] = []): CatalogEntry {
  return { name, kind: 'action', ...route, command, summary, also };
}

export const CATALOG: readonly CatalogEntry[] = [
  entry('createContact', r('POST', '/contacts/', WRITE), 'contacts create --email E [--phone P] [--tag T]... [--field NAME=VALUE]...',
    'create a contact; a lost answer is resolved by looking the contact up, never by a blind retry', [FIND_DUPLICATE, SEARCH]),
  entry('updateContact', r('PUT', '/contacts/{contactId}', WRITE), 'contacts update ID [flags]',
    'change a contact; --tag adds tags, never replaces the others', [ADD_TAGS, GET_CONTACT]),
  entry('upsertContact', r('POST', '/contacts/upsert', WRITE), 'contacts upsert --email E [flags]',
    'create or update the contact matching the email/phone; reports a phone or extra email HighLevel dropped', [ADD_TAGS, GET_CONTACT]),
  entry('deleteContact', r('DELETE', '/contacts/{contactId}', WRITE), 'contacts delete ID', 'delete a contact'),
  entry('tagContact', ADD_TAGS, 'contacts tag ID T...', 'add tags to a contact', [GET_CONTACT]),
  entry('untagContact', r('DELETE', '/contacts/{contactId}/tags', WRITE), 'contacts untag ID T...', 'remove tags from a contact', [GET_CONTACT]),
  entry('listContacts', SEARCH, 'contacts list [--tag T]... [--business ID] [--query Q] [--live]',
    'contacts from the mirror, or from HighLevel with --live', [r('GET', '/contacts/business/{businessId}', READ)]),
  entry('createTask', r('POST', '/contacts/{contactId}/tasks', WRITE), 'tasks create CONTACT_ID --title T --due ISO [--body B] [--assigned-to USER_ID]',
    'create a task; a lost answer is resolved by listing the contact\'s tasks', [LIST_TASKS, GET_CONTACT]),
  entry('updateTask', r('PUT', '/contacts/{contactId}/tasks/{taskId}', WRITE), 'tasks update CONTACT_ID TASK_ID [flags]', 'change a task'),
  entry('completeTask', r('PUT', '/contacts/{contactId}/tasks/{taskId}/completed', WRITE), 'tasks complete CONTACT_ID TASK_ID [--undo]',
    'mark a task completed (or not, with --undo)'),
  entry('deleteTask', r('DELETE', '/contacts/{contactId}/tasks/{taskId}', WRITE), 'tasks delete CONTACT_ID TASK_ID', 'delete a task'),
  entry('listTasks', LIST_TASKS, 'tasks list CONTACT_ID [--live]', 'a contact\'s tasks from the mirror, or from HighLevel with --live'),
  entry('createNote', r('POST', '/contacts/{contactId}/notes', WRITE), 'notes create CONTACT_ID --body B',
    'add a note; a lost answer is resolved by listing the contact\'s notes', [LIST_NOTES, GET_CONTACT]),
  entry('updateNote', r('PUT', '/contacts/{contactId}/notes/{id}', WRITE), 'notes update CONTACT_ID NOTE_ID --body B', 'change a note'),
  entry('deleteNote', r('DELETE', '/contacts/{contactId}/notes/{id}', WRITE), 'notes delete CONTACT_ID NOTE_ID', 'delete a note'),
  entry('listNotes', LIST_NOTES, 'notes list CONTACT_ID [--live]', 'a contact\'s notes from the mirror, or from HighLevel with --live'),
  // Issue 20: the rest of the Contacts API.
  entry('getContact', GET_CONTACT, 'contacts show ID --live', 'one contact\'s 360° view read from HighLevel now',
    [LIST_TASKS, LIST_NOTES, r('GET', '/locations/{locationId}/customFields', 'locations/customFields.readonly')]),
  entry('listBusinessContacts', r('GET', '/contacts/business/{businessId}', READ), 'contacts list --business BUSINESS_ID --live',
    'a business\'s contacts from HighLevel, page by page'),
  entry('findDuplicate', FIND_DUPLICATE, 'contacts duplicate (--email E | --phone P)',
    'the contact HighLevel calls a duplicate of an email or phone (exit 1 when there is none)'),
  entry('listAppointments', r('GET', '/contacts/{contactId}/appointments', READ), 'contacts appointments CONTACT_ID', 'a contact\'s appointments, from HighLevel'),
  entry('addToWorkflow', r('POST', WORKFLOW, WRITE), 'contacts workflows add CONTACT_ID WORKFLOW_ID [--event-start-time ISO]',
    'enrol a contact in a workflow; a lost answer is never repeated (a workflow may allow re-entry)'),
  entry('removeFromWorkflow', r('DELETE', WORKFLOW, WRITE), 'contacts workflows remove CONTACT_ID WORKFLOW_ID', 'take a contact out of a workflow'),
  entry('addToCampaign', r('POST', CAMPAIGN, WRITE), 'contacts campaigns add CONTACT_ID CAMPAIGN_ID', 'add a contact to a campaign; a lost answer is never repeated'),
  entry('removeFromCampaign', r('DELETE', CAMPAIGN, WRITE), 'contacts campaigns remove CONTACT_ID CAMPAIGN_ID', 'take a contact out of a campaign'),
  entry('removeFromAllCampaigns', r('DELETE', '/contacts/{contactId}/campaigns/removeAll', WRITE), 'contacts campaigns remove-all CONTACT_ID',
    'take a contact out of every campaign'),
  entry('addFollowers', r('POST', FOLLOWERS, WRITE), 'contacts followers add CONTACT_ID USER_ID...', 'make users followers of a contact'),
  entry('removeFollowers', r('DELETE', FOLLOWERS, WRITE), 'contacts followers remove CONTACT_ID USER_ID...', 'stop users following a contact'),
  entry('bulkTag', r('POST', '/contacts/bulk/tags/update/{type}', WRITE), `contacts bulk tags add|remove --tag T... ${SELECTION} [--dry-run]`,
    'add or remove tags on many contacts, in chunks; written through to the mirror'),
  entry('bulkBusiness', r('POST', '/contacts/bulk/business', WRITE), `contacts bulk business (--business ID | --remove) ${SELECTION} [--dry-run]`,
    'link many contacts to a business, or unlink them; written through to the mirror'),
  entry('getTask', r('GET', '/contacts/{contactId}/tasks/{taskId}', READ), 'tasks show CONTACT_ID TASK_ID [--live]',
    'one task from the mirror, or from HighLevel with --live'),
  entry('getNote', r('GET', '/contacts/{contactId}/notes/{id}', READ), 'notes show CONTACT_ID NOTE_ID [--live]',
    'one note from the mirror, or from HighLevel with --live'),
];

/** A route the sync reads; `ghl-etl catalog` lists these too, so it shows every scope the tool needs. */
export interface ReadEntry extends RouteRef {
  /** The client method (src/ghl) that calls it. */
  name: string;
  kind: 'read';
  command: string;
  summary: string;
}

const read = (name: string, route: RouteRef, summary: string): ReadEntry => ({ name, kind: 'read', ...route, command: 'sync', summary });

export const SYNC_READS: readonly ReadEntry[] = [
  read('fetchContactPage', r('GET', '/contacts/', READ), 'list a location\'s contacts, page by page (the default lister)'),
  read('searchContactPage', SEARCH, 'list contacts through the search (`--lister search`)'),
  read('listContactTasks', LIST_TASKS, 'a contact\'s tasks (a token without the task search\'s scope)'),
  read('listContactNotes', LIST_NOTES, 'a contact\'s notes'),
  read('searchLocationTasks', r('POST', '/locations/{locationId}/tasks/search', 'locations/tasks.readonly'), 'every task of the location, 100 a call, every run'),
  read('listCustomFields', r('GET', '/locations/{locationId}/customFields', 'locations/customFields.readonly'), 'custom field definitions'),
  read('getLocation', r('GET', '/locations/{locationId}', 'locations.readonly'), 'the location\'s name and timezone (optional scope)'),
  read('listLocationUsers', r('GET', '/users/', 'users.readonly'), 'the location\'s users, task assignees (optional scope)'),
];

/** A HighLevel webhook event `ghl-etl serve` applies to the mirror (POST /webhooks/ghl). */
export interface TriggerEntry {
  /** HighLevel's event type, e.g. "ContactCreate". */
  name: string;
  kind: 'trigger';
  scope: string;
  command: string;
  summary: string;
}

const trigger = (name: string, summary: string): TriggerEntry => ({ name, kind: 'trigger', scope: READ, command: 'serve', summary });

/** Keep in step with src/serve/mirror-events.ts (test/cli-ops.test.ts checks every type is applied). */
export const TRIGGERS: readonly TriggerEntry[] = [
  trigger('ContactCreate', 'a contact was created: mirrored'),
  trigger('ContactUpdate', 'a contact changed: mirrored'),
  trigger('ContactTagUpdate', 'a contact\'s tags changed: mirrored'),
  trigger('ContactDndUpdate', 'a contact\'s do-not-disturb changed: mirrored'),
  trigger('ContactDelete', 'a contact was deleted: soft-deleted in the mirror'),
  trigger('TaskCreate', 'a task was created: mirrored'),
  trigger('TaskComplete', 'a task was completed: mirrored'),
  trigger('TaskDelete', 'a task was deleted: soft-deleted in the mirror'),
  trigger('NoteCreate', 'a note was created: mirrored'),
  trigger('NoteUpdate', 'a note changed: mirrored'),
  trigger('NoteDelete', 'a note was deleted: soft-deleted in the mirror'),
];

export function catalogEntry(name: string): CatalogEntry {
  const found = CATALOG.find((e) => e.name === name);
  if (!found) throw new Error(`no catalog entry named ${name}`);
  return found;
}

/** A route's path with its parameters filled in (encoded), e.g. /contacts/abc/tasks. */
export function fillPath(route: RouteRef, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === `{${name}}`) return value; // a dry run's placeholder for an id not known yet
    if (value === undefined) throw new Error(`${route.method} ${route.path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}
