// One validator over HighLevel's spec + overlay. The sandbox uses it to refuse what HighLevel
// refuses; tests use it to check every answer. Requests are validated the way HighLevel's
// NestJS pipes do it (forbidNonWhitelisted: unknown body properties are refused, query strings
// are coerced); responses are checked leniently (extra properties are always allowed, since
// live objects carry more than any file lists), and the tolerant client's drift names them
// (answerDepartures checks a closed copy of the answer's schema for fields no file lists).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { loadApiSpecs } from './load.ts';
import type { ApiApp, OpenAPIDoc, OperationObject, ParameterObject, SchemaObject } from './openapi.ts';
import { API_APPS, operationsOf } from './openapi.ts';

export interface MatchedOperation {
  app: string;
  operationId: string;
  method: string;
  pathTemplate: string;
  pathParams: Record<string, string>;
  scopes: string[];
  /** Media types the operation's request body is declared in ([] when it declares no body). */
  requestMediaTypes: string[];
}

export interface RequestToValidate {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | string[]>;
  body: unknown;
}

/** One refusal, with where it was found (the sandbox may answer a header problem differently). */
export interface RequestProblem {
  in: 'header' | 'query' | 'path' | 'body';
  message: string;
}

export interface SpecValidator {
  /** `path` without the query string, e.g. /contacts/abc/tasks. */
  match(method: string, path: string): MatchedOperation | undefined;
  /** [] = valid; messages in HighLevel's class-validator style. */
  validateRequest(op: MatchedOperation, req: RequestToValidate): string[];
  validateResponse(op: MatchedOperation, status: number, body: unknown): string[];
  /** validateResponse worded for a client's error: `contacts[3].id is required`, `total must be a number`. */
  checkResponse(op: MatchedOperation, status: number, body: unknown): string[];
  /**
   * Every departure of a 2xx answer from its documented shape, as the tolerant client records it:
   * `{field: "contacts[].tags", problem: "string where array"}`, one per occurrence. Names the
   * JSON type seen, never the value. [] for an undocumented route or status.
   */
  answerDepartures(op: MatchedOperation, status: number, body: unknown): AnswerDeparture[];
  /** validateRequest with the location of each problem. */
  checkRequest(op: MatchedOperation, req: RequestToValidate): RequestProblem[];
  /** An operation by id (path params empty), for callers that know what they call. */
  operation(app: ApiApp, operationId: string): MatchedOperation | undefined;
}

/** A field of an answer that is not as documented (see SpecValidator.answerDepartures). */
export interface AnswerDeparture {
  /** Normalised path: array indexes dropped, e.g. `contacts[].customFields[].value`. */
  field: string;
  /** e.g. `null where string`, `string where array`, `missing`, `unknown field (number)`. */
  problem: string;
}

const BASE = 'https://ghl-etl.invalid/spec';
const MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

// ---- routing -------------------------------------------------------------------------------

type Segment = { literal: string } | { param: string };

interface Route {
  app: ApiApp;
  method: string;
  pathTemplate: string;
  segments: Segment[];
  op: OperationObject;
  /** Worked out once: every answer check asks for them. */
  scopes: string[];
  requestMediaTypes: string[];
}

/** Routes are indexed by method and segment count: only those can match a path. */
function shapeKey(method: string, segmentCount: number): string {
  return `${method} ${segmentCount}`;
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.replace(/^\//, '').split('/');
}

function parseTemplate(template: string): Segment[] {
  return splitPath(template).map((s) => {
    const m = /^\{(.+)\}$/.exec(s);
    return m?.[1] ? { param: m[1] } : { literal: s };
  });
}

function scopesOf(op: OperationObject): string[] {
  const all = (op.security ?? []).flatMap((req) => Object.values(req).flat());
  return [...new Set(all)];
}

/** Literal segments beat params, position by position from the left. */
function moreSpecific(a: Route, b: Route): boolean {
  for (let i = 0; i < a.segments.length; i++) {
    const aLit = 'literal' in a.segments[i]!;
    const bLit = 'literal' in b.segments[i]!;
    if (aLit !== bLit) return aLit;
  }
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---- schema preparation ----------------------------------------------------------------------

/**
 * The request variant of a document: every object schema that lists properties and says nothing
 * about others refuses them (HighLevel's forbidNonWhitelisted). Members of an allOf are left
 * open, since closing each part would refuse the other parts' properties.
 */
function closeObjectSchemas(node: unknown, insideAllOf = false): void {
  if (Array.isArray(node)) {
    for (const item of node) closeObjectSchemas(item, insideAllOf);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const props = obj.properties;
  if (
    !insideAllOf &&
    obj.type === 'object' &&
    props !== null && typeof props === 'object' && Object.keys(props).length > 0 &&
    !('additionalProperties' in obj)
  ) {
    obj.additionalProperties = false;
  }
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      // Property names are data, not keywords: a property called `example` is still a schema.
      for (const propertySchema of Object.values(value)) closeObjectSchemas(propertySchema);
      continue;
    }
    if (key === 'example' || key === 'examples' || key === 'default' || key === 'enum') continue;
    closeObjectSchemas(value, key === 'allOf');
  }
}

/**
 * For the closed answer variant: an allOf of objects (a local $ref or an inline object each, e.g.
 * the search hit = Contact + searchAfter) becomes one object listing every member's properties,
 * so closing it refuses only fields no member lists (closing the members would refuse each
 * other's properties, and a $ref'd member is closed where it is defined).
 */
function mergeAllOfObjects(doc: OpenAPIDoc): void {
  const schemas = (doc as { components?: { schemas?: Record<string, unknown> } }).components?.schemas ?? {};
  const resolve = (member: unknown): Record<string, unknown> | undefined => {
    if (member === null || typeof member !== 'object') return undefined;
    const ref = (member as { $ref?: unknown }).$ref;
    const target = typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? schemas[ref.slice('#/components/schemas/'.length)] : ref === undefined ? member : undefined;
    if (target === null || typeof target !== 'object') return undefined;
    const t = target as Record<string, unknown>;
    return t.properties !== null && typeof t.properties === 'object' && !('allOf' in t) ? t : undefined;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (Array.isArray(obj.allOf)) {
      const members = obj.allOf.map(resolve);
      if (members.every((m) => m !== undefined)) {
        delete obj.allOf;
        obj.type = 'object';
        obj.properties = Object.assign({}, ...members.map((m) => structuredClone(m!.properties)));
        obj.required = [...new Set(members.flatMap((m) => (Array.isArray(m!.required) ? m!.required as string[] : [])))];
      }
    }
    for (const [key, value] of Object.entries(obj)) {
      // Property names are data, not keywords (as in closeObjectSchemas).
      if (key === 'properties' && value !== null && typeof value === 'object') Object.values(value).forEach(visit);
      else if (key !== 'example' && key !== 'examples' && key !== 'default' && key !== 'enum') visit(value);
    }
  };
  visit(doc);
}

function pointerTo(...parts: string[]): string {
  return '#/' + parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

function createAjv(variant: 'request' | 'response' | 'params'): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false, // OpenAPI's `example`, `xml`, ... are not JSON Schema keywords
    validateSchema: false, // the documents are OpenAPI files, not JSON Schemas
    coerceTypes: variant === 'params' ? 'array' : false,
    useDefaults: false,
    verbose: true, // anyOf errors then carry their branches (see condenseAlternatives)
  });
  addFormatsPlugin.default(ajv);
  return ajv;
}

// ---- class-validator style messages ------------------------------------------------------------

function propertyPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.join('.');
}

const TYPE_PHRASES: Record<string, string> = {
  string: 'must be a string',
  number: 'must be a number conforming to the specified constraints',
  integer: 'must be an integer number',
  boolean: 'must be a boolean value',
  array: 'must be an array',
  object: 'must be an object',
  null: 'must be null',
};

function messageFor(e: ErrorObject, rootLabel: string): string {
  const p = propertyPath(e.instancePath) || rootLabel;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${propertyPath(e.instancePath, String(params.missingProperty))} should not be empty`;
    case 'additionalProperties': {
      const parent = propertyPath(e.instancePath);
      return `${parent ? parent + '.' : ''}property ${String(params.additionalProperty)} should not exist`;
    }
    case 'type': {
      const types = String(params.type).split(',').filter((t) => t !== 'null');
      return `${p} ${TYPE_PHRASES[types[0] ?? ''] ?? `must be ${String(params.type)}`}`;
    }
    case 'minimum':
      return `${p} must not be less than ${String(params.limit)}`;
    case 'maximum':
      return `${p} must not be greater than ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `${p} must be greater than ${String(params.limit)}`;
    case 'exclusiveMaximum':
      return `${p} must be less than ${String(params.limit)}`;
    case 'minLength':
      return params.limit === 1
        ? `${p} should not be empty`
        : `${p} must be longer than or equal to ${String(params.limit)} characters`;
    case 'maxLength':
      return `${p} must be shorter than or equal to ${String(params.limit)} characters`;
    case 'minProperties':
      return `${p} should not be empty`;
    case 'minItems':
      return `${p} must contain at least ${String(params.limit)} elements`;
    case 'maxItems':
      return `${p} must contain no more than ${String(params.limit)} elements`;
    case 'enum':
      return `${p} must be one of the following values: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      if (params.format === 'date-time' || params.format === 'date') return `${p} must be a valid ISO 8601 date string`;
      if (params.format === 'email') return `${p} must be an email`;
      return `${p} must be a valid ${String(params.format)}`;
    case 'anyOf':
    case 'oneOf':
      return `${p} does not match any allowed shape`;
    default:
      return `${p} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * An anyOf failure reports every branch's errors; keep only the branch that came closest (fewest
 * errors, first on a tie), so "filters.0.value should not be empty" is said instead of four
 * branches of noise. A recursive schema (filter groups) reports its inner failures with the same
 * schemaPath as the outer one; those "deep" errors belong to no outer branch we can name, so a
 * branch with no direct error is taken to be the one that led there.
 */
function condenseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  let out = [...errors];
  const isAlternative = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';
  const under = (e: ErrorObject, instancePath: string) =>
    e.instancePath === instancePath || e.instancePath.startsWith(instancePath + '/');
  const alternatives = out
    .filter(isAlternative)
    .sort((a, b) => a.instancePath.length - b.instancePath.length || a.schemaPath.length - b.schemaPath.length);
  for (const alt of alternatives) {
    if (!out.includes(alt)) continue;
    const prefix = alt.schemaPath + '/';
    const inner = out.filter(
      (e) => isAlternative(e) && e.schemaPath === alt.schemaPath && e.instancePath.length > alt.instancePath.length &&
        under(e, alt.instancePath),
    );
    const isDeep = (e: ErrorObject) => inner.some((c) => under(e, c.instancePath));
    const isDirect = (e: ErrorObject) =>
      e !== alt && !isDeep(e) && e.schemaPath.startsWith(prefix) && under(e, alt.instancePath);
    const branchOf = (e: ErrorObject) => Number(e.schemaPath.slice(prefix.length).split('/')[0]);
    const branches = Array.isArray(alt.schema) ? alt.schema.length : 0;
    const counts = Array.from({ length: branches }, () => 0);
    for (const e of out) if (isDirect(e)) counts[branchOf(e)] = (counts[branchOf(e)] ?? 0) + 1;
    if (counts.length === 0) continue;
    const best = counts.indexOf(Math.min(...counts));
    const keepDeep = counts[best] === 0;
    out = out.filter((e) => {
      if (e === alt) return false;
      if (isDeep(e)) return keepDeep;
      return !isDirect(e) || branchOf(e) === best;
    });
  }
  return out;
}

/** `contacts[3].id`: the instance path as a reader writes it in JavaScript. */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '') || 'the body';
}

function answerProblem(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${fieldPath(e.instancePath, String(params.missingProperty))} is required`;
  if (e.keyword === 'type') return `${fieldPath(e.instancePath)} must be ${String(params.type).split(',').join(' or ')}, got ${describeValue(e.data)}`;
  return `${fieldPath(e.instancePath)} ${e.message ?? 'is invalid'}`;
}

/** The kind of a wrong value, never the value itself (it may be a contact's personal data). */
function describeValue(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** The JSON type of a value, as drift names it. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** `contacts[].tags`: the instance path with array positions dropped (a field, not an occurrence). */
function normalisedField(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[]` : out ? `${out}.${p}` : p), '') || '(answer)';
}

function schemaTypes(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return 'value';
  const s = schema as { type?: unknown; anyOf?: unknown; oneOf?: unknown; $ref?: unknown };
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) return s.type.join('|');
  const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (branches) return [...new Set(branches.map(schemaTypes))].join('|');
  return typeof s.$ref === 'string' ? 'object' : 'value';
}

/**
 * Ajv's errors as departures. An anyOf/oneOf that no branch matched is one departure (the type
 * seen where the branches' types were documented), not every branch's complaint.
 */
export function departuresOf(errors: ErrorObject[]): AnswerDeparture[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const underAlternative = (e: ErrorObject) => alternatives.some((alt) =>
    alt !== e && e.schemaPath.startsWith(alt.schemaPath + '/') &&
    (e.instancePath === alt.instancePath || e.instancePath.startsWith(alt.instancePath + '/')));
  const out: AnswerDeparture[] = [];
  for (const e of errors) {
    if (underAlternative(e)) continue;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push({ field: normalisedField(e.instancePath, String(params.missingProperty)), problem: 'missing' });
        break;
      case 'type':
        out.push({ field: normalisedField(e.instancePath), problem: `${jsonType(e.data)} where ${String(params.type).split(',').join('|')}` });
        break;
      case 'anyOf':
      case 'oneOf':
        out.push({ field: normalisedField(e.instancePath), problem: `${jsonType(e.data)} where ${schemaTypes(e.parentSchema)}` });
        break;
      case 'enum':
        out.push({ field: normalisedField(e.instancePath), problem: 'value not in the documented enum' });
        break;
      case 'format':
        out.push({ field: normalisedField(e.instancePath), problem: `not a ${String(params.format)}` });
        break;
      case 'additionalProperties': {
        // A field no file lists: kept in `raw`, named with the JSON type it came as (needs verbose errors).
        const name = String(params.additionalProperty);
        const value = e.data !== null && typeof e.data === 'object' ? (e.data as Record<string, unknown>)[name] : undefined;
        out.push({ field: normalisedField(e.instancePath, name), problem: `unknown field (${jsonType(value)})` });
        break;
      }
      default:
        out.push({ field: normalisedField(e.instancePath), problem: `fails ${e.keyword}` });
    }
  }
  return out;
}

/**
 * The unknown fields among a closed schema's errors: only those the open schema did not fail on
 * already (a field in an anyOf branch that no branch took says nothing about the field).
 */
function unknownFieldsOf(closedErrors: ErrorObject[]): AnswerDeparture[] {
  const alternatives = closedErrors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const unknown = closedErrors.filter((e) => e.keyword === 'additionalProperties' && !alternatives.some((alt) =>
    e.schemaPath.startsWith(alt.schemaPath + '/') &&
    (e.instancePath === alt.instancePath || e.instancePath.startsWith(alt.instancePath + '/'))));
  return departuresOf(unknown);
}

function messagesOf(errors: ErrorObject[] | null | undefined, rootLabel: string): string[] {
  if (!errors || errors.length === 0) return [];
  return [...new Set(condenseAlternatives(errors).map((e) => messageFor(e, rootLabel)))];
}

// ---- per-operation compilation ---------------------------------------------------------------

interface CompiledOperation {
  headers: ParameterObject[];
  query?: ValidateFunction;
  queryRequired: string[];
  path?: ValidateFunction;
  body?: ValidateFunction;
  bodyRequired: boolean;
  responses: Map<string, ValidateFunction | null>;
  /** The same answers with every listed object closed: its additionalProperties errors are the unknown fields. */
  closedResponses: Map<string, ValidateFunction | null>;
}

function paramsSchema(params: ParameterObject[]): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const p of params) properties[p.name] = p.schema ?? {};
  return { type: 'object', properties, required: params.filter((p) => p.required).map((p) => p.name) };
}

function bodyMediaType(content: Record<string, unknown>): string | undefined {
  return MEDIA_TYPES.find((m) => m in content) ?? Object.keys(content)[0];
}

function headerValue(headers: RequestToValidate['headers'], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

class OpenApiValidator implements SpecValidator {
  private readonly routes: Route[] = [];
  private readonly byShape = new Map<string, Route[]>();
  private readonly compiled = new Map<string, CompiledOperation>();
  private readonly requestAjv = createAjv('request');
  private readonly responseAjv = createAjv('response');
  private readonly closedResponseAjv = createAjv('response');
  private readonly paramsAjv = createAjv('params');

  constructor(docs: Readonly<Record<ApiApp, OpenAPIDoc>>) {
    for (const app of API_APPS) {
      const doc = docs[app];
      const requestDoc = structuredClone(doc);
      closeObjectSchemas(requestDoc);
      this.requestAjv.addSchema(requestDoc, `${BASE}/request/${app}.json`);
      this.responseAjv.addSchema(structuredClone(doc), `${BASE}/response/${app}.json`);
      const closedDoc = structuredClone(doc);
      mergeAllOfObjects(closedDoc);
      closeObjectSchemas(closedDoc);
      this.closedResponseAjv.addSchema(closedDoc, `${BASE}/closed/${app}.json`);
      for (const { path, method, op } of operationsOf(doc)) {
        const route: Route = {
          app, method: method.toUpperCase(), pathTemplate: path, segments: parseTemplate(path), op,
          scopes: scopesOf(op), requestMediaTypes: Object.keys(op.requestBody?.content ?? {}),
        };
        this.routes.push(route);
        const key = shapeKey(route.method, route.segments.length);
        this.byShape.set(key, [...(this.byShape.get(key) ?? []), route]);
      }
    }
  }

  match(method: string, path: string): MatchedOperation | undefined {
    const wanted = method.toUpperCase();
    const segments = splitPath(path.split('?')[0] ?? '');
    let best: Route | undefined;
    for (const route of this.byShape.get(shapeKey(wanted, segments.length)) ?? []) {
      const fits = route.segments.every((s, i) =>
        'literal' in s ? s.literal === segments[i] : (segments[i] ?? '') !== '',
      );
      if (fits && (!best || moreSpecific(route, best))) best = route;
    }
    if (!best) return undefined;
    const pathParams: Record<string, string> = {};
    best.segments.forEach((s, i) => {
      if ('param' in s) pathParams[s.param] = safeDecode(segments[i] ?? '');
    });
    return this.toMatched(best, pathParams);
  }

  operation(app: ApiApp, operationId: string): MatchedOperation | undefined {
    const route = this.routes.find((r) => r.app === app && r.op.operationId === operationId);
    return route ? this.toMatched(route, {}) : undefined;
  }

  validateRequest(op: MatchedOperation, req: RequestToValidate): string[] {
    return this.checkRequest(op, req).map((p) => p.message);
  }

  checkRequest(op: MatchedOperation, req: RequestToValidate): RequestProblem[] {
    const c = this.compile(op);
    const problems: RequestProblem[] = [];

    for (const h of c.headers) {
      const value = headerValue(req.headers, h.name);
      const allowed = h.schema?.enum as unknown[] | undefined;
      if (value === undefined || value === '') {
        if (h.required) problems.push({ in: 'header', message: `${h.name} header was not found` });
      } else if (allowed && !allowed.includes(value)) {
        problems.push({ in: 'header', message: `${h.name} header must be one of the following values: ${allowed.join(', ')}` });
      }
    }

    for (const [where, validate, values] of [
      ['path', c.path, op.pathParams],
      ['query', c.query, req.query],
    ] as const) {
      if (!validate) continue;
      // Coercion rewrites the data; validate a copy. An empty required value counts as missing.
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) {
        if (v === '' && (where === 'path' || c.queryRequired.includes(k))) continue;
        copy[k] = Array.isArray(v) ? [...v] : v;
      }
      if (!validate(copy)) {
        for (const message of messagesOf(validate.errors, where)) problems.push({ in: where, message });
      }
    }

    if (c.body) {
      // Like NestJS, an absent body validates as {} so missing required fields are named.
      const body = req.body === undefined || req.body === null || req.body === '' ? {} : req.body;
      if (!c.body(body)) {
        for (const message of messagesOf(c.body.errors, 'body')) problems.push({ in: 'body', message });
      }
    }
    return problems;
  }

  validateResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const validate = this.responseValidator(op, status);
    if (validate === undefined) {
      // HighLevel documents no 5xx bodies; any other undocumented status is a finding.
      return status >= 500 ? [] : [`status ${status} is not a documented answer of ${op.operationId}`];
    }
    if (!validate) return [];
    return validate(body) ? [] : messagesOf(validate.errors, 'response');
  }

  checkResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const validate = this.responseValidator(op, status);
    if (validate === undefined) return [`status ${status} is not a documented answer`];
    if (!validate || validate(body)) return [];
    return [...new Set(condenseAlternatives(validate.errors ?? []).map(answerProblem))];
  }

  answerDepartures(op: MatchedOperation, status: number, body: unknown): AnswerDeparture[] {
    const closed = this.responseValidator(op, status, 'closed');
    // The closed schema fails on everything the open one does, and on unknown fields: one pass
    // when the answer is exactly as documented.
    if (!closed || closed(body)) return [];
    const unknown = unknownFieldsOf(closed.errors ?? []);
    const validate = this.responseValidator(op, status);
    const departures = !validate || validate(body) ? [] : departuresOf(validate.errors ?? []);
    return [...departures, ...unknown];
  }

  /** The compiled schema of a status's answer: null when it documents no body, undefined when undocumented. */
  private responseValidator(op: MatchedOperation, status: number, variant: 'open' | 'closed' = 'open'): ValidateFunction | null | undefined {
    const c = this.compile(op);
    const responses = variant === 'open' ? c.responses : c.closedResponses;
    const code = String(status);
    const key = [code, `${code[0]}XX`, 'default'].find((k) => responses.has(k));
    return key === undefined ? undefined : responses.get(key);
  }

  private toMatched(route: Route, pathParams: Record<string, string>): MatchedOperation {
    return {
      app: route.app,
      operationId: route.op.operationId,
      method: route.method,
      pathTemplate: route.pathTemplate,
      pathParams,
      scopes: [...route.scopes],
      requestMediaTypes: [...route.requestMediaTypes],
    };
  }

  private route(op: MatchedOperation): Route {
    const route = this.routes.find(
      (r) => r.app === op.app && r.method === op.method.toUpperCase() && r.pathTemplate === op.pathTemplate,
    );
    if (!route) throw new Error(`spec validator: unknown operation ${op.app} ${op.method} ${op.pathTemplate}`);
    return route;
  }

  /** Compiled lazily: most operations are never called. */
  private compile(op: MatchedOperation): CompiledOperation {
    const key = `${op.app} ${op.method.toUpperCase()} ${op.pathTemplate}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;

    const route = this.route(op);
    const method = route.method.toLowerCase();
    const params = route.op.parameters ?? [];
    const byPlace = (place: ParameterObject['in']) => params.filter((p) => p.in === place);
    const queryParams = byPlace('query');
    const pathParams = byPlace('path');

    let body: ValidateFunction | undefined;
    const content = route.op.requestBody?.content;
    const mediaType = content ? bodyMediaType(content) : undefined;
    if (content && mediaType && content[mediaType]?.schema) {
      body = this.requestAjv.compile({
        $ref: `${BASE}/request/${route.app}.json` +
          pointerTo('paths', route.pathTemplate, method, 'requestBody', 'content', mediaType, 'schema'),
      });
    }

    const responses = new Map<string, ValidateFunction | null>();
    const closedResponses = new Map<string, ValidateFunction | null>();
    for (const [status, response] of Object.entries(route.op.responses)) {
      const rc = response.content;
      const rt = rc ? MEDIA_TYPES.find((m) => m in rc) ?? Object.keys(rc)[0] : undefined;
      const pointer = rc && rt && rc[rt]?.schema
        ? pointerTo('paths', route.pathTemplate, method, 'responses', status, 'content', rt, 'schema')
        : undefined;
      responses.set(status, pointer ? this.responseAjv.compile({ $ref: `${BASE}/response/${route.app}.json${pointer}` }) : null);
      // Compiled when first asked for: only the tolerant client's location calls want it.
      closedResponses.set(status, pointer ? lazily(() => this.closedResponseAjv.compile({ $ref: `${BASE}/closed/${route.app}.json${pointer}` })) : null);
    }

    const compiled: CompiledOperation = {
      headers: byPlace('header'),
      query: queryParams.length > 0 ? this.paramsAjv.compile(paramsSchema(queryParams)) : undefined,
      queryRequired: queryParams.filter((p) => p.required).map((p) => p.name),
      path: pathParams.length > 0 ? this.paramsAjv.compile(paramsSchema(pathParams)) : undefined,
      body,
      bodyRequired: route.op.requestBody?.required ?? false,
      responses,
      closedResponses,
    };
    this.compiled.set(key, compiled);
    return compiled;
  }
}

/** A validate function compiled on its first call (Ajv compiles a whole schema graph eagerly). */
function lazily(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= compile();
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ValidateFunction;
  return validate;
}

let shared: SpecValidator | undefined;

/** The process-wide validator (cached; operations compile on first use). */
export function createSpecValidator(): SpecValidator {
  shared ??= new OpenApiValidator(loadApiSpecs());
  return shared;
}
