// Every command the binary knows, in the order --help lists them.
// Add a command: create its file beside this one, exporting `register(program)`, and add it here.
import type { Command } from 'commander';
import { register as authLocations } from './auth-locations.ts';
import { register as authLogin } from './auth-login.ts';
import { register as authLogout } from './auth-logout.ts';
import { register as authStatus } from './auth-status.ts';
import { register as configCheck } from './config-check.ts';
import { register as catalog } from './catalog.ts';
import { register as contactsList } from './contacts-list.ts';
import { register as contactsCreate } from './contacts-create.ts';
import { register as contactsUpdate } from './contacts-update.ts';
import { register as contactsUpsert } from './contacts-upsert.ts';
import { register as contactsDelete } from './contacts-delete.ts';
import { register as contactsTag } from './contacts-tag.ts';
import { register as contactsUntag } from './contacts-untag.ts';
import { register as contactsDuplicate } from './contacts-duplicate.ts';
import { register as contactsAppointments } from './contacts-appointments.ts';
import { register as contactsWorkflows } from './contacts-workflows.ts';
import { register as contactsCampaigns } from './contacts-campaigns.ts';
import { register as contactsFollowers } from './contacts-followers.ts';
import { register as contactsBulk } from './contacts-bulk.ts';
import { register as tasksShow } from './tasks-show.ts';
import { register as notesShow } from './notes-show.ts';
import { register as tasksList } from './tasks-list.ts';
import { register as tasksCreate } from './tasks-create.ts';
import { register as tasksUpdate } from './tasks-update.ts';
import { register as tasksComplete } from './tasks-complete.ts';
import { register as tasksDelete } from './tasks-delete.ts';
import { register as notesList } from './notes-list.ts';
import { register as notesCreate } from './notes-create.ts';
import { register as notesUpdate } from './notes-update.ts';
import { register as notesDelete } from './notes-delete.ts';
import { register as demo } from './demo.ts';
import { register as leadsImport } from './leads-import.ts';
import { register as leadsLink } from './leads-link.ts';
import { register as outboxDrop } from './outbox-drop.ts';
import { register as outboxList } from './outbox-list.ts';
import { register as outboxRetry } from './outbox-retry.ts';
import { register as sandbox } from './sandbox.ts';
import { register as serve } from './serve.ts';
import { register as mcp } from './mcp.ts';
import { register as contactsShow } from './contacts-show.ts';
import { register as exportCsv } from './export.ts';
import { register as purge } from './purge.ts';
import { register as runs } from './runs.ts';
import { register as schedule } from './schedule.ts';
import { register as status } from './status.ts';
import { register as sync } from './sync.ts';
import { register as worker } from './worker.ts';
import { register as enqueueSync } from './enqueue-sync.ts';

export const COMMANDS: Array<(program: Command) => void> = [
  sandbox,
  sync,
  exportCsv,
  schedule,
  worker,
  enqueueSync,
  status,
  runs,
  purge,
  demo,
  authLogin,
  authStatus,
  authLogout,
  authLocations,
  configCheck,
  contactsShow,
  contactsList,
  contactsCreate,
  contactsUpdate,
  contactsUpsert,
  contactsDelete,
  contactsTag,
  contactsUntag,
  contactsDuplicate,
  contactsAppointments,
  contactsWorkflows,
  contactsCampaigns,
  contactsFollowers,
  contactsBulk,
  tasksList,
  tasksShow,
  tasksCreate,
  tasksUpdate,
  tasksComplete,
  tasksDelete,
  notesList,
  notesShow,
  notesCreate,
  notesUpdate,
  notesDelete,
  catalog,
  leadsImport,
  leadsLink,
  serve,
  mcp,
  outboxList,
  outboxRetry,
  outboxDrop,
];
