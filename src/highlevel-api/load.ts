// Loads HighLevel's vendored OpenAPI files with the overlay applied. Each returned document is
// self-contained: the shared error shapes of common/common-schemas.json are copied into its
// components and the `../common/common-schemas.json#/...` refs rewritten to local ones, so any
// tool (ajv, openapi-typescript) can resolve every $ref without knowing the folder layout.
import { readFileSync } from 'node:fs';
import { applyOverlay } from './overlay.ts';
import type { ApiApp, OpenAPIDoc } from './openapi.ts';
import { API_APPS, APP_FILES } from './openapi.ts';

export type { ApiApp, OpenAPIDoc } from './openapi.ts';

const COMMON_REF_PREFIX = '../common/common-schemas.json#/components/schemas/';

function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'));
}

/** The vendored file, untouched (a fresh copy on every call). */
export function readVendoredSpec(app: ApiApp): OpenAPIDoc {
  return readJson(`./vendor/apps/${APP_FILES[app]}`) as OpenAPIDoc;
}

function rewriteCommonRefs(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteCommonRefs(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const ref = obj.$ref;
  if (typeof ref === 'string' && ref.startsWith('../')) {
    if (!ref.startsWith(COMMON_REF_PREFIX)) throw new Error(`spec: unsupported external $ref ${ref}`);
    obj.$ref = `#/components/schemas/${ref.slice(COMMON_REF_PREFIX.length)}`;
  }
  for (const value of Object.values(obj)) rewriteCommonRefs(value);
}

/** Copies the common schemas into `doc` (refusing a name clash) and points the refs at them. */
function inlineCommonSchemas(doc: OpenAPIDoc, common: OpenAPIDoc): OpenAPIDoc {
  for (const [name, schema] of Object.entries(common.components.schemas)) {
    if (name in doc.components.schemas) throw new Error(`spec: ${doc.info.title} already defines ${name}`);
    doc.components.schemas[name] = structuredClone(schema);
  }
  rewriteCommonRefs(doc);
  return doc;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** One app's corrected document, built fresh (callers may mutate it). */
export function buildApiSpec(app: ApiApp): OpenAPIDoc {
  const common = readJson('./vendor/common/common-schemas.json') as OpenAPIDoc;
  return applyOverlay(app, inlineCommonSchemas(readVendoredSpec(app), common));
}

let cached: Readonly<Record<ApiApp, OpenAPIDoc>> | undefined;

/**
 * The corrected documents of the four apps, built once and frozen (shared by the sandbox, the
 * validator and the type generator). structuredClone one before changing it.
 */
export function loadApiSpecs(): Readonly<Record<ApiApp, OpenAPIDoc>> {
  if (!cached) {
    const docs = {} as Record<ApiApp, OpenAPIDoc>;
    for (const app of API_APPS) docs[app] = buildApiSpec(app);
    cached = deepFreeze(docs);
  }
  return cached;
}
