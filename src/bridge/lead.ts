// A lead as the bridge takes it, whichever way it arrives (`POST /leads`, `leads import`, the
// inbox at delivery): LeadCars' create fields (../shared/leadcars/CONTRACT.md "Create lead"), plus
// `id_lead` for a lead LeadCars already has; what makes two leads the same; its stored form.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isLeadcarsIdText } from '../leadcars/parse.ts';
import { phoneProblem, toE164 } from '../ops/validate.ts';

const text = z.string().trim();
// Text from a lead sender reaches terminals and HighLevel: no control characters, escape
// sequences or bidi overrides; line breaks only in the comment.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const noControl = (s: string) => !CONTROL.test(s);
const NO_CONTROL = 'must not contain control characters (escape sequences, line breaks, tabs)';
const line = (max: number) => text.min(1, 'is required').max(max).refine(noControl, NO_CONTROL);
const optionalText = text.min(1).max(10_000).refine((s) => !CONTROL_BUT_LINE_BREAKS.test(s), 'must not contain control characters other than line breaks').optional();
/**
 * LeadCars ids are numbers; JSON senders (and CSV files) often send them as digit strings. The
 * error says what is expected and what came ("Invalid input" said neither).
 */
const leadcarsId = (what: string) => z.union(
  // Within the safe-integer range: beyond it the number stored would not be the id sent.
  [z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().trim().refine(isLeadcarsIdText).transform(Number)],
  { error: (issue) => (issue.input === undefined ? `is required: ${what}` : `must be ${what}, a positive whole number, not ${JSON.stringify(issue.input)}`) },
);

/** A lead as `POST /leads` accepts it: LeadCars' create fields, plus `id_lead` for a lead LeadCars already has. */
export const intakeLeadSchema = z.strictObject({
  nombre: line(200),
  apellidos: line(200),
  email: text.toLowerCase().pipe(z.email('must be an email address')),
  telefono: line(40).optional(),
  movil: line(40).optional(),
  cp: line(20).optional(),
  provincia: line(100).optional(),
  comentario: optionalText,
  url_origen: line(2_000).optional(),
  concesionario: leadcarsId('the id of a LeadCars dealer (GET /concesionarios)'),
  sede: leadcarsId('the id of a branch of the dealer (GET /sedes/{concesionario})').optional(),
  tipo_lead: leadcarsId('the id of a LeadCars lead type (GET /tipos)'),
  campana: line(200).optional(),
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
