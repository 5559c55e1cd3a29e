// HighLevel's webhook event payloads, as its docs publish them (docs/webhook-events/*.md of
// GoHighLevel/highlevel-api-docs; the JSON schemas vendored unchanged in
// vendor/webhooks/events.json). Every event also carries `timestamp` and `webhookId`
// (../shared/ghl-api/NOTES.md "Webhooks"). The sandbox's deliveries are checked against these.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { departuresOf, type AnswerDeparture } from './validator.ts';

export const WEBHOOK_EVENT_TYPES = [
  'ContactCreate', 'ContactUpdate', 'ContactDelete', 'ContactTagUpdate', 'ContactDndUpdate',
  'TaskCreate', 'TaskComplete', 'TaskDelete', 'NoteCreate', 'NoteUpdate', 'NoteDelete',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

type Schema = { type: 'object'; properties: Record<string, unknown>; [key: string]: unknown };

/** The published schema of each event type (a fresh copy). */
export function webhookEventSchemas(): Record<WebhookEventType, Schema> {
  return JSON.parse(readFileSync(new URL('./vendor/webhooks/events.json', import.meta.url), 'utf8')) as Record<WebhookEventType, Schema>;
}

/**
 * A strict check of one delivered event: a known type, the envelope (`type`, `locationId`, `id`,
 * `timestamp`, `webhookId`) present, every field typed as published and no field the docs do not
 * list. Returns the problems ([] when the event conforms).
 */
export function createWebhookEventChecker(): (event: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators = new Map(Object.entries(webhookEventSchemas()).map(([type, schema]) => [type, ajv.compile({
    ...schema,
    properties: { ...schema.properties, type: { const: type }, timestamp: { type: 'string' }, webhookId: { type: 'string' } },
    required: ['type', 'locationId', 'id', 'timestamp', 'webhookId'],
    additionalProperties: false,
  })]));
  return (event) => {
    const type = (event as { type?: unknown } | null)?.type;
    const validate = typeof type === 'string' ? validators.get(type) : undefined;
    if (!validate) return [`unknown event type ${JSON.stringify(type)}`];
    if (validate(event)) return [];
    return (validate.errors ?? []).map((e) => `${type}${e.instancePath} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  };
}

/**
 * The tolerant reading of an event (serve applies what it can): each departure from the published
 * schema (null where a value is documented, a mistyped or missing field, a field the docs do not
 * list), named by field and JSON type, never by value. An unknown type has none.
 */
export function createWebhookDriftReader(): (event: unknown) => AnswerDeparture[] {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const validators = new Map(Object.entries(webhookEventSchemas()).map(([type, schema]) => [type, ajv.compile({
    ...schema,
    // The envelope every event carries (NOTES.md "Webhooks") is documented too.
    properties: { ...schema.properties, timestamp: { type: 'string' }, webhookId: { type: 'string' } },
    additionalProperties: false,
  })]));
  return (event) => {
    const type = (event as { type?: unknown } | null)?.type;
    const validate = typeof type === 'string' ? validators.get(type) : undefined;
    if (!validate || validate(event)) return [];
    return departuresOf(validate.errors ?? []);
  };
}
