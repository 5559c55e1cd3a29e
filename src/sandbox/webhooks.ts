// The sandbox's HighLevel webhooks: every committed store change becomes the event HighLevel
// would send (shapes: ../shared/ghl-api/docs/webhook-events/), with `timestamp` and `webhookId`,
// signed like HighLevel's `x-ghl-signature` (Ed25519 over the raw body, base64) but with a key
// pair of its own, whose public half it exposes as base64 SPKI DER (`webhookPublicKey`, the
// form GHL_WEBHOOK_PUBLIC_KEY takes). Events go out one at a time in the order the changes
// happened; a failed delivery (network error or non-2xx) is retried a few times with the same
// body (same webhookId), then dropped and counted.
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { log } from '../log.ts';
import { quirkyEvent } from './quirks.ts';
import type { SandboxExtension } from './server.ts';
import type { SandboxContact, SandboxNote, SandboxStore, SandboxTask, StoreChange } from './types.ts';

export interface WebhookDeliveryOptions {
  /** Where events are POSTed, e.g. `http://127.0.0.1:8787/webhooks/ghl`. */
  url: string;
  /** Further attempts after a failed one (default 3). */
  retries?: number;
  /** Wait before the first retry, doubled each time (default 250 ms). */
  retryDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** The clock of `timestamp`. */
  clock?: () => number;
  /** Send events as live HighLevel departs from its docs (src/sandbox/quirks.ts quirkyEvent). */
  quirks?: boolean;
}

export interface WebhookDeliveryStats {
  sent: number;
  delivered: number;
  /** Events dropped after their last retry. */
  failed: number;
  retried: number;
  pending: number;
}

export interface WebhookDelivery {
  /** Base64 of the SPKI DER of the Ed25519 key the events are signed with. */
  readonly publicKey: string;
  /** Resolves once every event queued so far is delivered or dropped. */
  idle(): Promise<void>;
  stats(): WebhookDeliveryStats;
  /** Zeroes the counters (`POST /__sandbox/stats/reset`); `pending` stays what is queued. */
  resetStats(): void;
  /** Stops delivering (queued events are dropped) and unsubscribes from the store. */
  stop(): void;
}

type EventBody = Record<string, unknown> & { type: string };

/** Drops null fields: HighLevel's events leave out what a contact does not have. */
function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));
}

const DND_CHANNELS = ['SMS', 'Call', 'Email', 'GMB', 'FB', 'WhatsApp'] as const;

function contactEvent(type: string, c: SandboxContact): EventBody {
  const name = [c.firstName, c.lastName].filter((part) => part !== null).join(' ');
  return {
    type,
    ...compact({
      locationId: c.locationId, id: c.id, address1: c.address1, city: c.city, state: c.state,
      companyName: c.companyName, country: c.country, source: c.source, dateAdded: c.dateAdded,
      dateOfBirth: c.dateOfBirth, dnd: c.dnd,
      // The sandbox keeps one DND flag; ContactDndUpdate reports it per channel.
      dndSettings: type === 'ContactDndUpdate'
        ? Object.fromEntries(DND_CHANNELS.map((channel) => [channel, { status: c.dnd ? 'active' : 'inactive', message: '', code: '' }]))
        : null,
      email: c.email, name: name === '' ? null : name, firstName: c.firstName, lastName: c.lastName, phone: c.phone,
      postalCode: c.postalCode, tags: c.tags, website: c.website, attachments: [], assignedTo: c.assignedTo,
      customFields: c.customFields.map((field) => ({ id: field.id, value: field.value })),
    }),
  };
}

function taskEvent(type: string, locationId: string, t: SandboxTask): EventBody {
  return {
    type,
    ...compact({ locationId, id: t.id, assignedTo: t.assignedTo, body: t.body, contactId: t.contactId, dueDate: t.dueDate, title: t.title }),
  };
}

function noteEvent(type: string, locationId: string, n: SandboxNote): EventBody {
  return { type, ...compact({ locationId, id: n.id, body: n.body, contactId: n.contactId, dateAdded: n.dateAdded }) };
}

const CONTACT_FIELDS_OF_UPDATE = (c: SandboxContact): string =>
  JSON.stringify({ ...c, tags: undefined, dnd: undefined, dateUpdated: undefined });

/**
 * The HighLevel events one store change produces. A contact update yields ContactTagUpdate when
 * its tags moved, ContactDndUpdate when its DND moved, ContactUpdate when anything else did;
 * HighLevel has no task-update event, so a task update yields TaskComplete only when it
 * completes the task.
 */
export function eventsOf(change: StoreChange): EventBody[] {
  switch (change.kind) {
    case 'contact.create': return [contactEvent('ContactCreate', change.contact)];
    case 'contact.delete': return [contactEvent('ContactDelete', change.contact)];
    case 'contact.update': {
      const { before, after } = change;
      const events: EventBody[] = [];
      if (CONTACT_FIELDS_OF_UPDATE(before) !== CONTACT_FIELDS_OF_UPDATE(after)) events.push(contactEvent('ContactUpdate', after));
      if (JSON.stringify(before.tags) !== JSON.stringify(after.tags)) events.push(contactEvent('ContactTagUpdate', after));
      if (before.dnd !== after.dnd) events.push(contactEvent('ContactDndUpdate', after));
      return events;
    }
    case 'task.create': return [taskEvent('TaskCreate', change.locationId, change.task)];
    case 'task.delete': return [taskEvent('TaskDelete', change.locationId, change.task)];
    case 'task.update':
      return !change.before.completed && change.after.completed ? [taskEvent('TaskComplete', change.locationId, change.after)] : [];
    case 'note.create': return [noteEvent('NoteCreate', change.locationId, change.note)];
    case 'note.update': return [noteEvent('NoteUpdate', change.locationId, change.note)];
    case 'note.delete': return [noteEvent('NoteDelete', change.locationId, change.note)];
  }
}

interface Signed {
  body: string;
  signature: string;
}

/** Subscribes to the store and delivers its changes to `options.url`. */
export function startWebhookDelivery(store: SandboxStore, options: WebhookDeliveryOptions): WebhookDelivery {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? Date.now;
  const queue: Signed[] = [];
  const counters = { sent: 0, delivered: 0, failed: 0, retried: 0 };
  let stopped = false;
  const stopping = new AbortController(); // cuts an attempt in flight when the sandbox stops
  let running: Promise<void> | undefined;
  const idleWaiters: Array<() => void> = [];

  function signed(event: EventBody, key: KeyObject): Signed {
    const body = JSON.stringify({ ...event, timestamp: new Date(clock()).toISOString(), webhookId: randomUUID() });
    return { body, signature: sign(null, Buffer.from(body), key).toString('base64') };
  }

  async function attempt(item: Signed): Promise<boolean> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ghl-signature': item.signature },
        body: item.body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  // Started only with something queued, so that it always awaits before it clears `running`: a
  // drain that found nothing to send would clear it synchronously, before `running = drain()`
  // stored its settled promise, and no later change would start another one.
  async function drain(): Promise<void> {
    while (!stopped && queue.length > 0) {
      const item = queue.shift()!;
      counters.sent++;
      let ok = await attempt(item);
      for (let retry = 0; !ok && !stopped && retry < retries; retry++) {
        counters.retried++;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** retry).unref());
        ok = await attempt(item);
      }
      if (ok) counters.delivered++;
      else {
        counters.failed++;
        log().warn({ url: options.url }, 'sandbox: webhook dropped after its retries');
      }
    }
    running = undefined;
    for (const wake of idleWaiters.splice(0)) wake();
  }

  const unsubscribe = store.onChange((change) => {
    if (stopped) return;
    for (const event of eventsOf(change)) queue.push(signed(options.quirks ? quirkyEvent(event) : event, privateKey));
    if (running === undefined && queue.length > 0) running = drain();
  });

  return {
    publicKey: publicKeyBase64,
    idle: () => (running ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
    stats: () => ({ ...counters, pending: queue.length + (running ? 1 : 0) }),
    resetStats() {
      Object.assign(counters, { sent: 0, delivered: 0, failed: 0, retried: 0 });
    },
    stop() {
      stopped = true;
      queue.length = 0;
      stopping.abort();
      unsubscribe();
    },
  };
}

/** `startSandbox({ webhookUrl })` plugs this in: exposes `webhookPublicKey` and `webhooks` on the handle. */
export function webhookExtension(options: WebhookDeliveryOptions): SandboxExtension {
  return (api) => {
    const delivery = startWebhookDelivery(api.store, { clock: api.options.clock, ...options });
    api.onStop(() => delivery.stop());
    api.expose({ webhookPublicKey: delivery.publicKey, webhooks: delivery });
  };
}
