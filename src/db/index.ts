// The database layer's public surface: open, map, write, read bookkeeping, lock.
export { openDatabase, DatabaseVersionError, MIGRATIONS_FOLDER } from './open.ts';
export type { Db, OpenOptions, Orm, Sqlite } from './open.ts';
export { contactToRow, taskToRow, noteToRow, customFieldToRow, customValueToRow } from './rows.ts';
export type {
  ContactRow, TaskRow, NoteRow, CustomFieldRow, CustomValueRow, CustomValueType,
  HighLevelContact, HighLevelTask, HighLevelNote, HighLevelCustomField,
} from './rows.ts';
export {
  upsertLocation, upsertCustomFieldDefinitions, upsertContacts, replaceContactChildren,
  markContactsDeleted, markContactDeletedById, countLiveContacts, countUnseenContacts, contactsNeedingChildren,
  countContactsNeedingChildren,
} from './mirror.ts';
export type {
  Clock, LocationInput, ContactOutcome, ContactUpsertResult, ChildrenResult, ContactNeedingChildren,
} from './mirror.ts';
export { rebuildContactsWideView, rebuildFullTextIndexes, planContactsWideColumns, contactsWideViewSql, CONTACTS_WIDE_BASE_COLUMNS } from './views.ts';
export type { FieldDefinition, WideColumn } from './views.ts';
export {
  startRun, abandonStaleRuns, updateRun, finishRun, getRun, listRuns, getSyncState, setSyncState, startExportRun, finishExportRun,
} from './runs.ts';
export type { SyncRun, SyncRunCounters, SyncRunStatus } from './runs.ts';
export { acquireLock, refreshLock, releaseLock, getLockHolder, isProcessAlive } from './locks.ts';
export type { LockHolder, LockResult, LockOptions } from './locks.ts';
export * as schema from './schema.ts';
export { insertInboxLead, getInboxLead, listInbox, probeWritable } from './inbox.ts';
export type { InboxLeadInput, InboxRow, InboxStatus } from './inbox.ts';
export {
  recordWebhookEvent, markWebhookEventApplied, listWebhookEvents, mirroredContact, childContactId,
  upsertTaskRow, upsertNoteRow, markChildDeleted,
} from './webhook-events.ts';
export type { WebhookEventInput, WebhookEventRow } from './webhook-events.ts';
