// The LeadCars client's public surface.
export {
  createLeadcarsClient, leadcarsClientFromConfig, DEFAULT_LEADCARS_RATE_LIMIT,
  type LeadcarsClient, type LeadcarsClientOptions,
} from './client.ts';
export * from './errors.ts';
export * from './types.ts';
export type { PacerStats } from './pacer.ts';
