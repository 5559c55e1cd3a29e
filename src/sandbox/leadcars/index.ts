// The LeadCars sandbox's public surface.
export {
  startLeadcarsSandbox, LEADCARS_CONTROL_PREFIX,
  type LeadcarsSandbox, type LeadcarsSandboxOptions, type LeadcarsStats,
} from './server.ts';
export { CREATE_SHAPES, LIST_SHAPES, ERROR_SHAPES, type CreateShape, type ListShape, type ErrorShape, type ShapeOptions } from './shapes.ts';
export type { Catalog } from './catalog.ts';
