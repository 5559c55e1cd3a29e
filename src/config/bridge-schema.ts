// The `bridge` section of the configuration: how LeadCars leads become HighLevel contacts, and
// how HighLevel task and note changes become LeadCars comments (src/bridge/). Documented key by
// key in ghl-etl.config.example.json.
import { z } from 'zod';

/** LeadCars intake field -> where it goes on the contact. */
const target = z.union([
  z.enum(['firstName', 'lastName', 'email', 'phone', 'postalCode', 'state', 'city', 'address1', 'country', 'companyName', 'source', 'website']),
  z.literal('tag'),
  z.literal('note'),
  z.literal('ignore'),
  z.string().regex(/^customField:.+$/, 'a contact field, "tag", "note", "ignore" or "customField:<name, key or id>"'),
]);

export type FieldTarget = z.infer<typeof target>;

/** Defaults: nombre->firstName, apellidos->lastName, telefono/movil->phone, campana and tipo_lead as tags, comentario as a note. */
export const DEFAULT_FIELD_MAP: Record<string, FieldTarget> = {
  nombre: 'firstName',
  apellidos: 'lastName',
  email: 'email',
  telefono: 'phone',
  movil: 'phone',
  cp: 'postalCode',
  provincia: 'state',
  campana: 'tag',
  tipo_lead: 'tag',
  comentario: 'note',
  url_origen: 'source',
};

/** Spanish by default. Placeholders: {title} {due} {body} (tasks), {text} (notes), {status} {temperature} {lastAction} (polls). */
export const DEFAULT_TEMPLATES = {
  taskCreated: 'Tarea creada: {title} (vence {due})',
  taskUpdated: 'Tarea modificada: {title} (vence {due})',
  taskCompleted: 'Tarea completada: {title} (vence {due})',
  taskDeleted: 'Tarea eliminada: {title}',
  noteCreated: 'Nota: {text}',
  noteUpdated: 'Nota editada: {text}',
  leadChanged: 'LeadCars: estado {status}, temperatura {temperature}, última acción {lastAction}',
};

/** The placeholders each template is filled with (src/bridge/changes.ts, src/bridge/poll.ts). */
const PLACEHOLDERS = {
  task: ['title', 'due', 'body'],
  note: ['text'],
  lead: ['status', 'temperature', 'lastAction'],
} as const;

/** A template whose every {placeholder} is one of `known`: a typo is found at load, not left in LeadCars' comments. */
const template = (fallback: string, known: readonly string[]) => z.string().default(fallback).superRefine((text, ctx) => {
  const unknown = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `has unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{${n}}`).join(', ')}; this template knows ${known.map((n) => `{${n}}`).join(' ')}` });
  }
});

/** A list of HighLevel ids (as src/ops checks them), without repeats. */
function highLevelIds(what: string) {
  return z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `must be a HighLevel ${what} id (letters, digits, _ or -)`))
    .default([])
    .refine((ids) => new Set(ids).size === ids.length, { message: `lists a ${what} id twice` });
}

export const bridgeSchema = z
  .strictObject({
    /** The HighLevel location leads are delivered to; default the first configured location. */
    locationId: z.string().min(1).optional(),
    /** Overrides of DEFAULT_FIELD_MAP, per LeadCars field; a tag field's tag is "<field>:<value>" (e.g. "campana:verano"). */
    fieldMap: z.record(z.string(), target).default({}),
    templates: z.strictObject({
      taskCreated: template(DEFAULT_TEMPLATES.taskCreated, PLACEHOLDERS.task),
      taskUpdated: template(DEFAULT_TEMPLATES.taskUpdated, PLACEHOLDERS.task),
      taskCompleted: template(DEFAULT_TEMPLATES.taskCompleted, PLACEHOLDERS.task),
      taskDeleted: template(DEFAULT_TEMPLATES.taskDeleted, PLACEHOLDERS.task),
      noteCreated: template(DEFAULT_TEMPLATES.noteCreated, PLACEHOLDERS.note),
      noteUpdated: template(DEFAULT_TEMPLATES.noteUpdated, PLACEHOLDERS.note),
      leadChanged: template(DEFAULT_TEMPLATES.leadChanged, PLACEHOLDERS.lead),
    }).prefault({}),
    /** Sends of one outbox row before it is dead-lettered. */
    maxAttempts: z.number().int().positive().default(8),
    /** First retry delay of an outbox row, doubled per attempt (capped at an hour). */
    retryBaseMs: z.number().int().positive().default(5_000),
    /** What a polled lead change does to the contact: tags (`<tagPrefix><status>`), a note, both, or nothing. */
    leadUpdates: z.enum(['tags', 'note', 'both', 'none']).default('tags'),
    tagPrefix: z.string().default('leadcars:'),
    /** How often `serve` looks for work besides being woken by a lead or a webhook. */
    idleMs: z.number().int().positive().default(2_000),
    /**
     * What a lead that creates a HighLevel contact starts there (issue 20), each at most once per
     * contact, through the outbox: workflows it is enrolled in, campaigns it is added to, users
     * who follow it. Ids as HighLevel shows them.
     */
    onNewContact: z.strictObject({
      workflows: highLevelIds('workflow'),
      campaigns: highLevelIds('campaign'),
      followers: highLevelIds('user'),
    }).prefault({}),
  })
  .prefault({});

export type OnNewContactConfig = z.infer<typeof bridgeSchema>['onNewContact'];
