// Deterministic fault injection: a share `rate` of HighLevel-surface requests fails, spread evenly
// over the ways a real upstream fails. The sequence depends only on the fault seed and the order in
// which requests arrive, so a failing test replays.
import { createRng } from './random.ts';

export type FaultKind = 'http500' | 'http502' | 'http503' | 'drop' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = ['http500', 'http502', 'http503', 'drop', 'slow'];

export interface FaultOptions {
  /** Share of requests that fail, 0..1. */
  rate: number;
  seed: number;
  /** The kinds to spread faults over; all of them by default (tests narrow it, e.g. to 'drop'). */
  kinds?: readonly FaultKind[];
}

export interface FaultInjector {
  /** The fault for the next request, or undefined when it should be served normally. */
  next(): FaultKind | undefined;
}

export function createFaultInjector(opts: FaultOptions): FaultInjector {
  if (!(opts.rate >= 0 && opts.rate <= 1)) throw new RangeError(`faults must be between 0 and 1, got ${opts.rate}`);
  const kinds = opts.kinds && opts.kinds.length > 0 ? opts.kinds : FAULT_KINDS;
  const rng = createRng(opts.seed);
  return {
    next() {
      if (opts.rate === 0) return undefined;
      // Two draws per request whatever the outcome, so the sequence does not shift with the rate.
      const roll = rng.next();
      const kind = kinds[Math.floor(rng.next() * kinds.length)]!;
      return roll < opts.rate ? kind : undefined;
    },
  };
}

/** The status of a fault that is answered (drops and slow answers have none of their own). */
export function faultStatus(kind: FaultKind): number | undefined {
  switch (kind) {
    case 'http500': return 500;
    case 'http502': return 502;
    case 'http503': return 503;
    default: return undefined;
  }
}
