// LeadCars does not document its answer bodies for create, comment and errors, and the live API
// is seen answering in several shapes (CONTRACT.md, "What the API does not offer"). The sandbox
// answers in all of them, drawn from a seeded sequence, so a client that handles only one breaks
// here; tests pin one shape at a time.
import { createRng } from '../random.ts';

export const CREATE_SHAPES = ['id', 'lead_id', 'data.id', 'data.lead_id'] as const;
export const LIST_SHAPES = ['bare', 'wrapped'] as const;
export const ERROR_SHAPES = ['string', 'message', 'error', 'error.message', 'msg', 'errors'] as const;

export type CreateShape = (typeof CREATE_SHAPES)[number];
export type ListShape = (typeof LIST_SHAPES)[number];
export type ErrorShape = (typeof ERROR_SHAPES)[number];

export interface ShapeOptions {
  create?: readonly CreateShape[];
  list?: readonly ListShape[];
  error?: readonly ErrorShape[];
}

export interface Shaper {
  created(id: number): unknown;
  list(items: unknown[]): unknown;
  error(messages: string[]): unknown;
}

export function createShaper(seed: number, opts: ShapeOptions = {}): Shaper {
  const rng = createRng(seed);
  const pick = <T>(allowed: readonly T[] | undefined, all: readonly T[]): T => rng.pick(allowed && allowed.length > 0 ? allowed : all);
  return {
    created(id) {
      switch (pick(opts.create, CREATE_SHAPES)) {
        case 'id': return { success: true, id };
        case 'lead_id': return { success: true, lead_id: id };
        case 'data.id': return { success: true, data: { id } };
        case 'data.lead_id': return { success: true, data: { lead_id: id } };
      }
    },
    list(items) {
      return pick(opts.list, LIST_SHAPES) === 'bare' ? items : { success: true, data: items };
    },
    error(messages) {
      const joined = messages.join('; ');
      switch (pick(opts.error, ERROR_SHAPES)) {
        case 'string': return joined;
        case 'message': return { success: false, message: joined };
        case 'error': return { success: false, error: joined };
        case 'error.message': return { success: false, error: { code: 'error', message: joined } };
        case 'msg': return { success: false, msg: joined };
        case 'errors': return { success: false, errors: messages };
      }
    },
  };
}
