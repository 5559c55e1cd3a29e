// The slice of OpenAPI 3.0 that HighLevel's files use, typed just enough for the overlay,
// the loader and the validator to walk them without `any`.

/** A JSON Schema in OpenAPI 3.0's dialect (`nullable`, `example`, ...). Kept open on purpose. */
export type SchemaObject = { [keyword: string]: unknown };

export interface ParameterObject {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: SchemaObject;
  [key: string]: unknown;
}

export interface MediaTypeObject {
  schema?: SchemaObject;
  [key: string]: unknown;
}

export interface RequestBodyObject {
  required?: boolean;
  content: Record<string, MediaTypeObject>;
  [key: string]: unknown;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaTypeObject>;
  [key: string]: unknown;
}

export interface OperationObject {
  operationId: string;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
  security?: Array<Record<string, string[]>>;
  [key: string]: unknown;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItemObject = Partial<Record<HttpMethod, OperationObject>> & { [key: string]: unknown };

export interface OpenAPIDoc {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  paths: Record<string, PathItemObject>;
  components: { schemas: Record<string, SchemaObject>; [key: string]: unknown };
  [key: string]: unknown;
}

/** The HighLevel apps this project talks to, by the name used in code. */
export const API_APPS = ['contacts', 'locations', 'customFields', 'oauth', 'users'] as const;
export type ApiApp = (typeof API_APPS)[number];

/** The vendored file of each app (src/highlevel-api/vendor/apps/<file>.json). */
export const APP_FILES: Record<ApiApp, string> = {
  contacts: 'contacts.json',
  locations: 'locations.json',
  customFields: 'custom-fields.json',
  oauth: 'oauth.json',
  users: 'users.json',
};

export function isHttpMethod(key: string): key is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(key);
}

/** Every operation of a document, in file order. */
export function operationsOf(doc: OpenAPIDoc): Array<{ path: string; method: HttpMethod; op: OperationObject }> {
  const out: Array<{ path: string; method: HttpMethod; op: OperationObject }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [key, op] of Object.entries(item)) {
      if (isHttpMethod(key) && op && typeof op === 'object') out.push({ path, method: key, op: op as OperationObject });
    }
  }
  return out;
}
