// The tasks phase: every task of the location through the location-wide task search, every run
// (issue 21). HighLevel sends no event when a task is edited or re-opened, a task may be created
// already completed, and a task change moves no contact's dateUpdated: reading them all (about
// one call per 100 tasks) is what makes each night end with every task exact. A token without
// `locations/tasks.readonly` keeps the per-contact reads of the children phase (children.ts).
//
// Pages go by skip/limit, each overlapping the one before by one task: a page whose first task is
// not the last one seen means the list moved under the reads (a task deleted or created before
// the page), so one task may have been skipped and the sweep of unlisted tasks waits for the next
// run (the upserts still stand).
import { taskToRow } from '../db/rows.ts';
import { writePass } from './checkpoint.ts';
import { isMissingScope, type LocationRun } from './context.ts';

export const TASK_SEARCH_LIMIT = 100;

export async function locationTasksPhase(run: LocationRun): Promise<void> {
  const { db, client, locationId, summary, now, runId } = run;
  if (run.pass.tasksPerContact) summary.tasksVia = 'contact';
  if (run.pass.tasksRead || summary.tasksVia === 'contact') return;
  // Rows written (by serve or an operation) from here on are newer than the pages.
  const readAt = now().toISOString();
  let skip = 0;
  let lastId: string | undefined;
  let steady = true;
  let pages = 0;
  let listed = 0;
  for (;;) {
    run.checkAbort();
    let page;
    try {
      page = await client.searchLocationTasks(locationId, { skip, limit: TASK_SEARCH_LIMIT });
    } catch (err) {
      if (pages > 0 || !isMissingScope(err)) throw err;
      summary.tasksVia = 'contact';
      run.notice(
        `location ${locationId}: the token lacks the locations/tasks.readonly scope; tasks are read one contact at a time ` +
          '(more API calls, and the full rolling share every night). Add the scope to the token to use the task search',
      );
      run.pass = { ...run.pass, tasksPerContact: true };
      await writePass(db, locationId, run.pass, now);
      return;
    }
    pages++;
    let tasks = page.tasks;
    if (lastId !== undefined) {
      if (tasks[0]?.id === lastId) tasks = tasks.slice(1);
      else steady = false;
    }
    const rows = tasks.flatMap((t) => (typeof t.contactId === 'string' && t.contactId !== '' ? [taskToRow(t, t.contactId, locationId)] : []));
    const saved = await db.saveLocationTasks(locationId, rows, runId, now, { readAt });
    summary.tasks += saved.upserted;
    listed += tasks.length;
    run.showProgress('tasks', listed);
    if (page.tasks.length < TASK_SEARCH_LIMIT) break;
    lastId = page.tasks[page.tasks.length - 1]!.id;
    skip += TASK_SEARCH_LIMIT - 1;
  }
  if (!steady) {
    run.logger.info({ pages }, 'the task list moved while it was read: tasks deleted in HighLevel are removed by the next sync');
  }
  await db.transaction(async (tx) => {
    if (steady) summary.tasksDeleted += await tx.sweepLocationTasks(locationId, runId, readAt, now);
    run.pass = { ...run.pass, tasksRead: true };
    await writePass(tx, locationId, run.pass, now);
    await tx.updateRun(runId, { tasks: summary.tasks });
  });
}
