// `ghl-etl serve` as a library: the intake/webhook HTTP server and the pieces senders and tests need.
export { startServer, MAX_BODY_BYTES, REPLAY_WINDOW_MS } from './server.ts';
export type { ServeOptions, IntakeServer, AcceptedLead, ReceivedEvent } from './server.ts';
export { signIntakeBody, verifyIntakeSignature } from './intake.ts';
export { bridgeHooks } from './bridge-hooks.ts';
export { webhookKeys, verifyWebhookSignature, HIGHLEVEL_WEBHOOK_ED25519_KEY, HIGHLEVEL_WEBHOOK_RSA_KEY } from './webhook-signature.ts';
export { applyEventToMirror, type WebhookEvent } from './mirror-events.ts';
