// Lookups the spec corrections start from (overlay.ts, overlay-contact-actions.ts). Each throws
// when the vendored file lacks what a correction patches, so a drifting file is noticed at load.
import type { HttpMethod, OpenAPIDoc, OperationObject, SchemaObject } from './openapi.ts';

/** The operation at `method path`. */
export function operation(doc: OpenAPIDoc, method: HttpMethod, path: string): OperationObject {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`spec overlay: ${method.toUpperCase()} ${path} is not in ${doc.info.title}`);
  return op;
}

/** The named component schema. */
export function schema(doc: OpenAPIDoc, name: string): SchemaObject {
  const s = doc.components.schemas[name];
  if (!s) throw new Error(`spec overlay: schema ${name} is not in ${doc.info.title}`);
  return s;
}
