// The sandbox's public surface: start one, talk to its store, extend its route table.
export {
  startSandbox, resolveOptions, PIT_SCOPES,
  type Sandbox, type SandboxOptions, type ResolvedOptions, type SandboxExtension, type SandboxExtensionApi,
  type RouteMode, type TokenResolver, type TokenInfo, type RouteContext, type SandboxStats,
} from './server.ts';
export { createSandboxStore } from './store.ts';
export { createRateLimiter, type RateLimiter, type RateWindow } from './rate-limit.ts';
export { createFaultInjector, FAULT_KINDS, type FaultKind } from './faults.ts';
export { CONTROL_PREFIX } from './control.ts';
export { API_VERSION, type RequestChecker } from './validation.ts';
export type { Route, SandboxRequest, SandboxResponse, Method } from './http.ts';
export * from './types.ts';
export {
  startLeadcarsSandbox, CREATE_SHAPES, LIST_SHAPES, ERROR_SHAPES, type LeadcarsSandbox, type LeadcarsSandboxOptions,
} from './leadcars/index.ts';
export { startWebhookDelivery, webhookExtension, eventsOf, type WebhookDelivery, type WebhookDeliveryOptions, type WebhookDeliveryStats } from './webhooks.ts';
