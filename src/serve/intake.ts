// POST /leads: one lead with LeadCars field names (../shared/leadcars/CONTRACT.md "Create lead"),
// signed by the sender with INTAKE_SECRET. A lead is stored in the inbox before it is
// acknowledged; the same lead sent again maps to the same inbox row.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { phoneProblem, toE164 } from '../ops/validate.ts';

const text = z.string().trim();
const optionalText = text.min(1).max(10_000).optional();
/**
 * LeadCars ids are numbers; JSON senders (and CSV files) often send them as digit strings. The
 * error says what is expected and what came ("Invalid input" said neither).
 */
const leadcarsId = (what: string) => z.union(
  [z.number().int().positive(), z.string().trim().regex(/^\d+$/).transform(Number)],
  { error: (issue) => (issue.input === undefined ? `is required: ${what}` : `must be ${what}, a positive whole number, not ${JSON.stringify(issue.input)}`) },
);

/** A lead as `POST /leads` accepts it: LeadCars' create fields, plus `id_lead` for a lead LeadCars already has. */
export const intakeLeadSchema = z.strictObject({
  nombre: text.min(1, 'is required').max(200),
  apellidos: text.min(1, 'is required').max(200),
  email: text.toLowerCase().pipe(z.email('must be an email address')),
  telefono: text.min(1).max(40).optional(),
  movil: text.min(1).max(40).optional(),
  cp: text.min(1).max(20).optional(),
  provincia: text.min(1).max(100).optional(),
  comentario: optionalText,
  url_origen: text.min(1).max(2_000).optional(),
  concesionario: leadcarsId('the id of a LeadCars dealer (GET /concesionarios)'),
  sede: leadcarsId('the id of a branch of the dealer (GET /sedes/{concesionario})').optional(),
  tipo_lead: leadcarsId('the id of a LeadCars lead type (GET /tipos)'),
  campana: text.min(1).max(200).optional(),
  custom: z.record(
    z.string().regex(/^[A-Za-z0-9_]+$/, 'custom keys are letters, digits and _ only (LeadCars refuses others)'),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  ).optional(),
  id_lead: leadcarsId('the id of a lead LeadCars has').transform(String).optional(),
});

export type IntakeLead = z.infer<typeof intakeLeadSchema>;

export type LeadParse = { ok: true; lead: IntakeLead } | { ok: false; reasons: string[] };

/** The lead's phone fields, sent to HighLevel and LeadCars in E.164. */
export const LEAD_PHONE_FIELDS = ['telefono', 'movil'] as const;

/**
 * Validates a request body; the reasons name each bad field. Phones must be numbers of
 * `phoneCountry` (default ES) or carry their +country code: HighLevel and LeadCars both take
 * them in E.164, so a lead whose phone cannot become one is refused here, not after its 202.
 */
export function parseIntakeLead(body: unknown, options: { phoneCountry?: string } = {}): LeadParse {
  const parsed = intakeLeadSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      reasons: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
    };
  }
  const country = options.phoneCountry ?? 'ES';
  const reasons = LEAD_PHONE_FIELDS.flatMap((field) => {
    const phone = parsed.data[field];
    return phone !== undefined && toE164(phone, country) === undefined ? [`${field}: ${phoneProblem(phone, country)}`] : [];
  });
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, lead: parsed.data };
}

/** JSON with object keys sorted at every level, so equal leads serialise identically. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What makes two leads the same lead: LeadCars' id when the sender has one, else the lead's
 * content after validation (trimmed, email lower-cased, keys in any order).
 */
export function leadDedupeKey(lead: IntakeLead): string {
  if (lead.id_lead !== undefined) return `leadcars:${lead.id_lead}`;
  return `sha256:${createHash('sha256').update(canonicalJson(lead)).digest('hex')}`;
}

/** The stored form of a validated lead. */
export function leadPayload(lead: IntakeLead): string {
  return canonicalJson(lead);
}

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
