// Ctrl-C and SIGTERM become an AbortSignal the sync checks between pages and transactions, so a
// stop always lands on a checkpoint. A second Ctrl-C exits at once: every write is already
// transactional, so even that loses nothing but the page in flight.
import { EXIT } from './exit-codes.ts';

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export function onInterrupt(onFirst?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    onFirst?.(sig);
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
