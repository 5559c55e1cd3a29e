// Whether a location's notes can lean on webhooks tonight (issue 21). HighLevel moves no
// contact's dateUpdated when its notes change, so without webhooks every night re-reads a
// rolling share of all contacts' notes (one in sync.rollingDays). `serve` receives HighLevel's
// note events and applies them; where it has received them without a gap since the last sync
// began, the share drops to a safety net (one in sync.rollingShareWithWebhooks) and the contacts
// the events named are re-read instead. "Without a gap" is three facts serve records in
// sync_state (src/db/webhook-health.ts): it has run the whole time (its heartbeat, started
// before the last sync began), a verified event of the location arrived within
// sync.webhookSilenceHours, and it refused no delivery since (HighLevel resends only after a 429).
//
// Whatever the verdict, the contacts named by the events that did arrive are re-read.
import { DEFAULT_ROLLING_SHARE_WITH_WEBHOOKS, DEFAULT_WEBHOOK_SILENCE_HOURS } from '../config/schema.ts';
import type { MirrorStatements } from '../db/mirror.ts';
import type { StoredVerdict } from '../db/webhook-health.ts';
import type { NamedByEvents } from '../db/nightly.ts';
import {
  ANY_LOCATION, parseState, SERVE_HEARTBEAT_KEY, SERVE_HEARTBEAT_STALE_MS, WEBHOOK_LAST_EVENT_KEY, WEBHOOK_REFUSED_KEY,
  WEBHOOK_VERDICT_KEY, WEBHOOK_WINDOW_KEY, type ServeHeartbeat, type WebhookRefusal,
} from '../db/webhook-health.ts';
import { writePass } from './checkpoint.ts';
import type { LocationRun } from './context.ts';
import { rollingShareSize } from './plan.ts';
import type { NotesPlan, WebhookVerdict } from './summary.ts';

const NOTE_EVENTS = ['NoteCreate', 'NoteUpdate', 'NoteDelete'] as const;
const TASK_EVENTS = ['TaskCreate', 'TaskComplete', 'TaskDelete'] as const;

/** The verdict for `locationId` at `now`, from what serve recorded. */
export async function webhookVerdict(db: MirrorStatements, locationId: string, now: Date, silenceHours: number): Promise<WebhookVerdict> {
  const since = await db.getSyncState(locationId, WEBHOOK_WINDOW_KEY);
  if (since === undefined) return { flowing: false, reason: 'no earlier completed sync of this location to count webhook events from' };
  const not = (reason: string): WebhookVerdict => ({ flowing: false, reason, since });
  const beat = parseState<ServeHeartbeat>(await db.getSyncState(ANY_LOCATION, SERVE_HEARTBEAT_KEY));
  if (!beat) return not('serve has not run on this database (`ghl-etl serve` receives HighLevel\'s webhooks)');
  if (beat.stoppedAt) return not(`serve stopped at ${beat.stoppedAt}`);
  if (now.getTime() - Date.parse(beat.at) > SERVE_HEARTBEAT_STALE_MS) {
    return not(`serve's last heartbeat was at ${beat.at}: it is not running (killed?) or cannot write the database`);
  }
  if (beat.since > since) return not(`serve started at ${beat.since}, after the last sync began (${since}): events before it were not received`);
  const lastEventAt = await db.getSyncState(locationId, WEBHOOK_LAST_EVENT_KEY);
  if (lastEventAt === undefined) return not('serve has received no verified webhook event of this location (is the app\'s webhook URL serve\'s /webhooks/ghl?)');
  if (now.getTime() - Date.parse(lastEventAt) > silenceHours * 3_600_000) {
    return not(`no verified webhook event of this location since ${lastEventAt} (sync.webhookSilenceHours is ${silenceHours})`);
  }
  for (const where of [locationId, ANY_LOCATION]) {
    const refused = parseState<WebhookRefusal>(await db.getSyncState(where, WEBHOOK_REFUSED_KEY));
    if (refused && refused.at >= since) return not(`serve refused a webhook delivery at ${refused.at} (HTTP ${refused.status}); HighLevel does not send it again`);
  }
  return { flowing: true, since };
}

/** The ids webhook events name (a contact, else the note or task they are about). */
export function namedByEvents(events: Array<{ type: string; payload: string }>): NamedByEvents {
  const named: NamedByEvents = { contactIds: [], noteIds: [], taskIds: [] };
  for (const event of events) {
    let object: { contactId?: unknown; id?: unknown };
    try {
      object = JSON.parse(event.payload) as typeof object;
    } catch {
      continue;
    }
    if (typeof object.contactId === 'string' && object.contactId !== '') named.contactIds.push(object.contactId);
    else if (typeof object.id === 'string' && object.id !== '') (event.type.startsWith('Note') ? named.noteIds : named.taskIds).push(object.id);
  }
  return named;
}

/**
 * Decides, once per pass, how many contacts' notes the rolling share re-reads and which contacts
 * the webhook events make due, and records it in the checkpoint (a resumed pass keeps it) and for
 * `status`. Call after the tasks are read (their way of reading decides whether tasks need it too).
 */
export async function planNotes(run: LocationRun): Promise<void> {
  const { db, locationId, now, opts, summary } = run;
  if (run.pass.notes) {
    summary.notesPlan = run.pass.notes;
    return;
  }
  const { rollingDays } = opts.config.sync;
  const withWebhooks = opts.config.sync.rollingShareWithWebhooks ?? DEFAULT_ROLLING_SHARE_WITH_WEBHOOKS;
  const silenceHours = opts.config.sync.webhookSilenceHours ?? DEFAULT_WEBHOOK_SILENCE_HOURS;
  const at = now();
  let verdict = await webhookVerdict(db, locationId, at, silenceHours);
  // Task edits send no event: tasks read one contact at a time need the full share.
  if (verdict.flowing && summary.tasksVia === 'contact') {
    verdict = { flowing: false, since: verdict.since!, reason: 'tasks are read one contact at a time (the token lacks locations/tasks.readonly) and task edits send no event' };
  }
  const every = verdict.flowing ? withWebhooks : rollingDays;
  const types = summary.tasksVia === 'contact' ? [...NOTE_EVENTS, ...TASK_EVENTS] : NOTE_EVENTS;
  await db.transaction(async (tx) => {
    const events = verdict.since === undefined || run.pass.full ? [] : await tx.webhookEventsSince(locationId, verdict.since, types);
    const namedContacts = events.length === 0 ? 0 : await tx.markNamedContactsDue(locationId, namedByEvents(events));
    const live = await tx.countLiveContacts(locationId);
    const plan: NotesPlan = { ...verdict, every, namedContacts };
    run.pass = { ...run.pass, rollingLeft: run.pass.full ? 0 : rollingShareSize(live, every), notes: plan };
    await writePass(tx, locationId, run.pass, now);
    // A full pass re-reads every contact: there is nothing for status to say about its share.
    if (!run.pass.full) await tx.setSyncState(locationId, WEBHOOK_VERDICT_KEY, JSON.stringify({ at: at.toISOString(), ...plan } satisfies StoredVerdict), now);
  });
  summary.notesPlan = run.pass.notes!;
  if (!run.pass.full && !verdict.flowing) {
    run.logger.info({ reason: verdict.reason, every }, 'webhooks not relied on: the usual rolling share of notes is re-read');
  }
}
