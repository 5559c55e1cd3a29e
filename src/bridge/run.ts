// The bridge's jobs as the commands run them: around a sync (before: make the linked contacts'
// tasks and notes due; after: report their changes, poll the linked leads, drain the outbox),
// and continuously in `serve` (deliver the inbox, report changes the webhooks brought, drain).
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { queueChangeComments } from './changes.ts';
import { mirrorOfBridge, type BridgeContext } from './context.ts';
import { deliverInbox, type DeliverySummary } from './deliver.ts';
import { drainOutbox, type DrainSummary } from './outbox.ts';
import { pollLinkedLeads, type PollSummary } from './poll.ts';

/** Before a sync: HighLevel does not move dateUpdated for task and note changes, so re-read them for linked contacts. */
export function prepareSync(db: Db | Mirror): Promise<number> {
  return mirrorOf(db).markLinkedContactsDue();
}

export interface AfterSyncSummary {
  /** False when there is nothing of the bridge in this database (no links, no outbox). */
  ran: boolean;
  commentsQueued: number;
  poll: PollSummary;
  outbox: DrainSummary;
}

/** After a sync: task and note changes of linked contacts become comments; leads are polled; the outbox drained. */
export async function afterSync(ctx: BridgeContext, opts: { signal?: AbortSignal } = {}): Promise<AfterSyncSummary> {
  if (!(await mirrorOfBridge(ctx).bridgeInUse())) {
    return { ran: false, commentsQueued: 0, poll: { polled: 0, changed: 0, failed: 0 }, outbox: { sent: 0, retried: 0, dead: 0, unknown: 0 } };
  }
  const commentsQueued = await queueChangeComments(ctx.db, ctx.config.bridge.templates, undefined, ctx.clock);
  const poll = await pollLinkedLeads(ctx, opts);
  const outbox = await drainOutbox(ctx, opts);
  return { ran: true, commentsQueued, poll, outbox };
}

export interface BridgeLoop {
  /** Work arrived (a lead): run a round now instead of after `bridge.idleMs`. */
  wake(): void;
  /** A webhook changed these contacts in the mirror: report their task and note changes now. */
  contactsChanged(contactIds: string[]): void;
  /** Resolves when the loop has stopped (after `signal` aborts, at the end of the step in progress). */
  done: Promise<void>;
  /** What the rounds did so far. */
  totals: { delivery: DeliverySummary; commentsQueued: number; outbox: DrainSummary };
}

/** `serve`'s worker: rounds of delivery, change reporting and outbox draining until `signal` aborts. */
export function startBridgeLoop(ctx: BridgeContext, signal: AbortSignal): BridgeLoop {
  let wakeUp: (() => void) | undefined;
  let woken = false;
  // The first round compares every linked contact (changes a stopped serve missed); later rounds
  // only those webhooks touched (the sync reports what it reads itself).
  let touched: Set<string> | undefined;
  const totals: BridgeLoop['totals'] = {
    delivery: { delivered: 0, waiting: 0, failed: 0, retrying: 0 }, commentsQueued: 0, outbox: { sent: 0, retried: 0, dead: 0, unknown: 0 },
  };
  const add = <T extends object>(into: T, from: T) => {
    for (const k of Object.keys(from) as Array<keyof T>) (into[k] as number) += from[k] as number;
  };
  const sleep = () => new Promise<void>((resolve) => {
    if (woken || signal.aborted) return resolve();
    // The abort listener goes with the round: one left behind per idle round piled up on the
    // signal (MaxListenersExceededWarning after a few seconds of a quiet serve).
    const stop = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(stop, ctx.config.bridge.idleMs);
    wakeUp = stop;
    signal.addEventListener('abort', stop, { once: true });
  });
  const done = (async () => {
    while (!signal.aborted) {
      woken = false;
      try {
        add(totals.delivery, await deliverInbox(ctx, { signal }));
        const contacts = touched ? [...touched] : undefined;
        touched = new Set();
        totals.commentsQueued += await queueChangeComments(ctx.db, ctx.config.bridge.templates, contacts, ctx.clock);
        add(totals.outbox, await drainOutbox(ctx, { signal }));
      } catch (err) {
        ctx.logger.error({ err }, 'bridge round failed; retrying after a pause');
      }
      await sleep();
    }
  })();
  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    contactsChanged(contactIds) {
      if (touched) for (const id of contactIds) touched.add(id);
      this.wake();
    },
    done,
    totals,
  };
}
