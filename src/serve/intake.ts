// POST /leads: one lead (validated as the bridge's lead, src/bridge/lead.ts), signed by the
// sender with INTAKE_SECRET. A lead is stored in the inbox before it is acknowledged; the same
// lead sent again maps to the same inbox row.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The `X-Intake-Signature` a sender puts on `body`: `sha256=<hex HMAC-SHA256 with the intake secret>`. */
export function signIntakeBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Checks `X-Intake-Signature` against the raw body, in constant time. */
export function verifyIntakeSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

/** Whether `X-Intake-Signature` has the form of a signature (checked before the body is read). */
export function hasIntakeSignatureHeader(header: string | string[] | undefined): boolean {
  return typeof header === 'string' && /^sha256=[0-9a-fA-F]{64}$/.test(header.trim());
}
