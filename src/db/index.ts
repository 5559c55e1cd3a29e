// The database layer's public surface: open, map, write, read bookkeeping, lock.
export { openDatabase, DatabaseVersionError, MIGRATIONS_FOLDER } from './open.ts';
export type { Db, OpenOptions, Orm, Sqlite } from './open.ts';
export { systemClock, isoNow, type Clock } from './clock.ts';
export { contactToRow, taskToRow, noteToRow, customFieldToRow, customValueToRow, userToRow } from './rows.ts';
export type {
  ContactRow, TaskRow, NoteRow, CustomFieldRow, CustomValueRow, CustomValueType, UserRow,
  HighLevelContact, HighLevelTask, HighLevelNote, HighLevelCustomField, HighLevelUser,
} from './rows.ts';
export { upsertLocation, ensureLocation, locationName, type LocationInput } from './locations.ts';
export { upsertCustomFieldDefinitions } from './custom-fields.ts';
export { upsertContacts, countLiveContacts, type ContactOutcome, type ContactUpsertResult } from './contacts.ts';
export { saveChildren, replaceContactChildren, type ChildrenResult, type ContactChildren } from './children.ts';
export { markContactsDeleted, markContactDeletedById, countUnseenContacts } from './deletions.ts';
export { contactsNeedingChildren, countContactsNeedingChildren, type ContactNeedingChildren } from './due.ts';
export { replaceUsers } from './users.ts';
export { rebuildContactsWideView, rebuildFullTextIndexes, planContactsWideColumns, contactsWideViewSql, CONTACTS_WIDE_BASE_COLUMNS } from './views.ts';
export type { FieldDefinition, WideColumn } from './views.ts';
export {
  startRun, abandonStaleRuns, updateRun, finishRun, getRun, listRuns, hasCompletedRun,
} from './runs.ts';
export type { ShownRunStatus, SyncRun, SyncRunCounters, SyncRunStatus } from './runs.ts';
export { getSyncState, setSyncState } from './state.ts';
export {
  recordWebhookRefused, recordWebhookSeen, writeServeHeartbeat, type ServeHeartbeat,
} from './webhook-health.ts';
export { acquireLock, refreshLock, releaseLock, getLockHolder, isProcessAlive } from './locks.ts';
export type { LockHolder, LockResult, LockOptions } from './locks.ts';
export * as schema from './schema.ts';
export { insertInboxLead, getInboxLead, listInbox } from './inbox.ts';
export { probeWriteLock, type WriteLockProbe } from './health.ts';
export type { InboxLeadInput, InboxRow, InboxStatus } from './inbox.ts';
export {
  recordWebhookEvent, markWebhookEventApplied, listWebhookEvents, mirroredContact, childContactId,
} from './webhook-events.ts';
export { upsertTaskRow, upsertNoteRow, markChildDeleted } from './children.ts';
export type { WebhookEventInput, WebhookEventRow } from './webhook-events.ts';
