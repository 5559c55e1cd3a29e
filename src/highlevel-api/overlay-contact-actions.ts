// Corrections for the Contacts API operations beyond the single-record ones (issue 20): bulk
// tags, bulk business, and the answers the operations read. Kept beside overlay.ts (which spreads
// them into its list) so each part stays small; the same rules apply: cite NOTES.md, never edit
// the vendored files.
import type { SpecCorrection } from './overlay.ts';
import { operation, schema } from './overlay-lookup.ts';
import type { SchemaObject } from './openapi.ts';

const str = (): SchemaObject => ({ type: 'string' });
const strings = (): SchemaObject => ({ type: 'array', items: str() });

export const CONTACT_ACTION_CORRECTIONS: readonly SpecCorrection[] = [
  {
    app: 'contacts',
    what: 'bulk tags and bulk business: the contacts.write scope; POST /contacts/bulk/tags/update/{type}: the {type} path parameter',
    why:
      'NOTES.md "Basics": writes need contacts.write; the files give the two Bulk operations no security at all, and ' +
      'the tags path names {type} without declaring it (HighLevel\'s reference pages: a required path parameter, ' +
      '"add" or "remove").',
    apply(doc) {
      const tags = operation(doc, 'post', '/contacts/bulk/tags/update/{type}');
      const business = operation(doc, 'post', '/contacts/bulk/business');
      for (const op of [tags, business]) op.security = [{ bearer: ['contacts.write'] }];
      tags.parameters = [
        ...(tags.parameters ?? []),
        { name: 'type', in: 'path', required: true, description: 'Tags operation type', schema: { type: 'string', enum: ['add', 'remove'] } },
      ];
    },
  },
  {
    app: 'contacts',
    what: 'bulk tags answer: `responses` lists objects, one per contact',
    why:
      'NOTES.md (opening): the files get some shapes wrong. The file types UpdateTagsResponseDTO.responses as string[] while its own example (and description, "Responses ' +
      'for each contact processed") shows objects {contactId, message, type: success|error, oldTags, tagsAdded, tagsRemoved}.',
    apply(doc) {
      const props = schema(doc, 'UpdateTagsResponseDTO').properties as Record<string, SchemaObject>;
      props.responses = {
        ...props.responses,
        type: 'array',
        items: {
          type: 'object',
          properties: { contactId: str(), message: str(), type: str(), oldTags: strings(), tagsAdded: strings(), tagsRemoved: strings() },
          required: ['contactId', 'type'],
        },
      };
    },
  },
];
