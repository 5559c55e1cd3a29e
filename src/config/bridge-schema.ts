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

export const bridgeSchema = z
  .strictObject({
    /** The HighLevel location leads are delivered to; default the first configured location. */
    locationId: z.string().min(1).optional(),
    /** Overrides of DEFAULT_FIELD_MAP, per LeadCars field; a tag field's tag is "<field>:<value>" (e.g. "campana:verano"). */
    fieldMap: z.record(z.string(), target).default({}),
    templates: z.strictObject({
      taskCreated: z.string().default(DEFAULT_TEMPLATES.taskCreated),
      taskUpdated: z.string().default(DEFAULT_TEMPLATES.taskUpdated),
      taskCompleted: z.string().default(DEFAULT_TEMPLATES.taskCompleted),
      taskDeleted: z.string().default(DEFAULT_TEMPLATES.taskDeleted),
      noteCreated: z.string().default(DEFAULT_TEMPLATES.noteCreated),
      noteUpdated: z.string().default(DEFAULT_TEMPLATES.noteUpdated),
      leadChanged: z.string().default(DEFAULT_TEMPLATES.leadChanged),
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
  })
  .prefault({});
