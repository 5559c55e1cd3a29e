// The mirror's clock: every time is stored as UTC ISO-8601 text. Callers (and tests) may pass
// their own clock to any writer.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function isoNow(clock: Clock = systemClock): string {
  return clock().toISOString();
}
