// Test helpers around the sandbox: start one for a block of tests, and a fetch that checks every
// HighLevel answer against spec + overlay, so a test that exercises the client also proves the
// sandbox (and the client's expectations) stay faithful to HighLevel's published shapes.
import { afterAll, beforeAll } from 'vitest';
import { createGhlClient, staticTokens } from '../../src/ghl/index.ts';
import { createSpecValidator, type SpecValidator } from '../../src/highlevel-api/validator.ts';
import { CONTROL_PREFIX, startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';

export const API_VERSION_HEADER = { Version: '2021-07-28' } as const;

/** Small, quick defaults for tests: one location, few contacts, no rate limit. */
export const TEST_SANDBOX_DEFAULTS: SandboxOptions = { locations: 1, contacts: 20, rateLimit: 'none' };

/** Runs `fn` against a fresh sandbox and always stops it. */
export async function withSandbox<T>(opts: SandboxOptions, fn: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox({ ...TEST_SANDBOX_DEFAULTS, ...opts });
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.stop();
  }
}

/**
 * One sandbox for a `describe` block: started in beforeAll, stopped in afterAll. Call the
 * returned function inside tests to get it.
 */
export function useSandbox(opts: SandboxOptions = {}): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ ...TEST_SANDBOX_DEFAULTS, ...opts });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
  return () => {
    if (!sandbox) throw new Error('useSandbox: the sandbox is started in beforeAll; call the getter inside a test');
    return sandbox;
  };
}

/** Headers of a HighLevel call with a location's token. */
/** A client with every location's token and no pacing of its own: the sandbox sets the limits. */
export function unlimitedClient(sandbox: Sandbox) {
  return createGhlClient({
    baseUrl: sandbox.url,
    tokens: staticTokens(Object.fromEntries(sandbox.locations.map((l) => [l.id, l.token]))),
    rateLimit: { max: 100_000, intervalMs: 1_000, daily: 10_000_000, dailyShare: 1 },
    http: { timeoutMs: 10_000, retries: 5 },
    backoff: { baseMs: 5, capMs: 50 },
  });
}

/** The sandbox's request counters (`GET /__sandbox/stats`). */
export async function sandboxStats(sandbox: Pick<Sandbox, 'url'>): Promise<{ requests: number; byRoute: Record<string, number> }> {
  return (await (await fetch(new URL(`${CONTROL_PREFIX}stats`, sandbox.url))).json()) as { requests: number; byRoute: Record<string, number> };
}

export function authHeaders(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...API_VERSION_HEADER, ...extra };
}

/** Ground truth of the sandbox (`GET /__sandbox/state`). */
export async function sandboxState(sandbox: Sandbox, locationId?: string): Promise<ReturnType<Sandbox['store']['state']>> {
  const url = new URL('/__sandbox/state', sandbox.url);
  if (locationId) url.searchParams.set('locationId', locationId);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`state: HTTP ${res.status}`);
  return (await res.json()) as ReturnType<Sandbox['store']['state']>;
}

export interface ValidationFinding {
  method: string;
  path: string;
  status: number;
  operationId?: string;
  problems: string[];
}

export type ValidatingFetch = typeof fetch & {
  /** Answers that did not match spec + overlay (or went to an undocumented route). */
  findings: ValidationFinding[];
  /** How many HighLevel answers were checked. */
  checked: number;
};

let sharedValidator: SpecValidator | undefined;

/**
 * A drop-in `fetch` that validates each HighLevel answer from `baseUrl` against the spec. It
 * records findings rather than throwing, because a client under test may treat a thrown error
 * as a network failure and retry it away; assert `findings` is empty at the end of the test.
 * Control endpoints and 5xx answers (undocumented by HighLevel) are not checked.
 */
export function validatingFetch(baseUrl: string, validator: SpecValidator = (sharedValidator ??= createSpecValidator())): ValidatingFetch {
  const origin = new URL(baseUrl).origin;
  const findings: ValidationFinding[] = [];
  const wrapped = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const url = new URL(request.url);
    if (url.origin !== origin || url.pathname.startsWith(CONTROL_PREFIX) || response.status >= 500) return response;
    wrapped.checked += 1;
    const op = validator.match(request.method, url.pathname);
    const base = { method: request.method, path: url.pathname, status: response.status };
    if (!op) {
      if (response.status !== 404) findings.push({ ...base, problems: ['no operation in the spec for this route'] });
      return response;
    }
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      findings.push({ ...base, operationId: op.operationId, problems: ['answer is not JSON'] });
      return response;
    }
    const problems = validator.validateResponse(op, response.status, body);
    if (problems.length > 0) findings.push({ ...base, operationId: op.operationId, problems });
    return response;
  }) as ValidatingFetch;
  wrapped.findings = findings;
  wrapped.checked = 0;
  return wrapped;
}
