// `ghl-etl serve` as a library: the intake/webhook HTTP server and the pieces senders and tests need.
export { startServer, MAX_BODY_BYTES, REPLAY_WINDOW_MS } from './server.ts';
export type { ServeOptions, IntakeServer, AcceptedLead, ReceivedEvent } from './server.ts';
export { intakeLeadSchema, parseIntakeLead, leadDedupeKey, signIntakeBody, verifyIntakeSignature } from './intake.ts';
export type { IntakeLead } from './intake.ts';
export { webhookKeys, verifyWebhookSignature, HIGHLEVEL_WEBHOOK_ED25519_KEY, HIGHLEVEL_WEBHOOK_RSA_KEY } from './webhook-signature.ts';
export { applyEventToMirror, type WebhookEvent } from './mirror-events.ts';
