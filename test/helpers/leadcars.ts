// Test helpers around the LeadCars sandbox: start one per block or per test, a client that paces
// fast and backs off briefly, and a raw call for checking what the sandbox itself accepts.
import { afterAll, beforeAll } from 'vitest';
import { createLeadcarsClient, type LeadcarsClientOptions, type NewLead } from '../../src/leadcars/index.ts';
import { startLeadcarsSandbox, type LeadcarsSandbox, type LeadcarsSandboxOptions } from '../../src/sandbox/index.ts';

export async function withLeadcars<T>(opts: LeadcarsSandboxOptions, fn: (sb: LeadcarsSandbox) => Promise<T>): Promise<T> {
  const sb = await startLeadcarsSandbox(opts);
  try {
    return await fn(sb);
  } finally {
    await sb.close();
  }
}

export function useLeadcars(opts: LeadcarsSandboxOptions = {}): () => LeadcarsSandbox {
  let sb: LeadcarsSandbox | undefined;
  beforeAll(async () => { sb = await startLeadcarsSandbox(opts); });
  afterAll(async () => { await sb?.close(); });
  return () => {
    if (!sb) throw new Error('useLeadcars: call the getter inside a test');
    return sb;
  };
}

/** A client for tests: the limit raised, retries quick. */
export function testClient(sb: Pick<LeadcarsSandbox, 'url' | 'token'>, overrides: Partial<LeadcarsClientOptions> = {}) {
  return createLeadcarsClient({
    baseUrl: sb.url, token: sb.token, rateLimit: 1_000, http: { timeoutMs: 5_000, retries: 5 }, backoff: { baseMs: 5, capMs: 40 },
    ...overrides,
  });
}

/** A lead the sandbox accepts: the manual's required fields with ids from its catalog. */
export function validLead(sb: Pick<LeadcarsSandbox, 'catalog'>, extra: Partial<NewLead> = {}): NewLead {
  return {
    nombre: 'Lucía', apellidos: 'Martín Sanz', email: 'lucia.martin@example.es',
    concesionario: sb.catalog.dealers[0]!.id, tipo_lead: sb.catalog.types[0]!.id, ...extra,
  };
}

/** One raw call with the sandbox's token (or the given headers), answer parsed when JSON. */
export async function raw(sb: Pick<LeadcarsSandbox, 'url' | 'token'>, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: headers ?? { 'cliente-token': sb.token, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* a text body */ }
  return { status: res.status, body: parsed };
}

export async function leadsOf(sb: Pick<LeadcarsSandbox, 'url'>): Promise<Array<Record<string, any>>> {
  return ((await (await fetch(`${sb.url}/__sandbox/state`)).json()) as { leads: Array<Record<string, any>> }).leads;
}
