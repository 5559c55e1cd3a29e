// Single-record operations on HighLevel contacts, tasks and notes: validated before any call,
// written through to the mirror, never duplicated. The CLI's contacts/tasks/notes/catalog
// commands call these.
export { createContact, updateContact, upsertContact, deleteContact, tagContact, untagContact, listContacts, listBusinessContacts, findContactId } from './contacts.ts';
export type { ContactInput, ContactResult, DeleteResult, ListContactsQuery } from './contacts.ts';
export { createTask, updateTask, completeTask, deleteTask, listTasks } from './tasks.ts';
export type { TaskInput, TaskResult } from './tasks.ts';
export { createNote, updateNote, deleteNote, listNotes } from './notes.ts';
export type { NoteInput, NoteResult } from './notes.ts';
export {
  addToWorkflow, removeFromWorkflow, addToCampaign, removeFromCampaign, removeFromAllCampaigns, addFollowers, removeFollowers,
  getContact, listAppointments, getTask, getNote, findDuplicate,
} from './contact-actions.ts';
export type { ContactActionResult, FollowersResult } from './contact-actions.ts';
export { bulkTag, bulkBusiness, BULK_CHUNK } from './bulk.ts';
export type { BulkSelection, BulkPlan, BulkResult, BulkFailure, BulkChunk } from './bulk.ts';
export { CATALOG, SYNC_READS, TRIGGERS, catalogEntry, type CatalogEntry, type ReadEntry, type RouteRef, type TriggerEntry } from './catalog.ts';
export { isDryRun, type OpsContext, type WriteOptions, type DryRun, type PlannedRequest } from './context.ts';
export { OperationError, OperationInputError, type RefusalKind } from './errors.ts';
export type { Outcome } from './run.ts';
