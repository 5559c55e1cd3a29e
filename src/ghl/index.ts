// The HighLevel client's public surface.
export { createGhlClient, staticTokens, type GhlClient, type GhlClientOptions, type GhlClientStats } from './client.ts';
export type { TokenProvider, SentRequest, RequestSpec } from './transport.ts';
export { API_VERSION } from './transport.ts';
export type { ContactCursor, ContactPage, ContactPageQuery, SearchContactPage, BusinessContactsPage, UpsertContactInput } from './contacts.ts';
export type { TaskSearchQuery, TaskSearchPage } from './tasks.ts';
export type { FollowersChange } from './contact-actions.ts';
export type { LocationStats, RateLimitSettings } from './limiter.ts';
export { followCursor, type FollowCursorOptions } from './paging.ts';
export * from './errors.ts';
export type { DriftReport, DriftCount } from './answers.ts';
