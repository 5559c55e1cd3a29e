// A LeadCars lead (intake field names) as a HighLevel contact: config `bridge.fieldMap` over
// DEFAULT_FIELD_MAP says where each field goes (a contact field, a custom field, a tag or the
// note). Phones become E.164 in the operations (`phoneCountry`).
import { DEFAULT_FIELD_MAP, type FieldTarget } from '../config/bridge-schema.ts';
import type { ContactInput } from '../ops/contacts.ts';
import type { IntakeLead } from '../serve/intake.ts';

export interface MappedLead {
  contact: ContactInput & { tags: string[]; fields: Record<string, string | number | boolean> };
  /** Text for a note on the contact (the lead's comment), if any. */
  note?: string;
}

/** The value of a field, `custom.<key>` reaching into the lead's custom object. */
function valuesOf(lead: IntakeLead): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [field, value] of Object.entries(lead)) {
    if (field === 'custom' || field === 'id_lead' || value === undefined || value === null) continue;
    out.push([field, String(value)]);
  }
  for (const [key, value] of Object.entries(lead.custom ?? {})) {
    if (value !== null) out.push([`custom.${key}`, String(value)]);
  }
  return out;
}

export function mapLead(lead: IntakeLead, overrides: Record<string, FieldTarget> = {}): MappedLead {
  const map: Record<string, FieldTarget> = { ...DEFAULT_FIELD_MAP, ...overrides };
  const contact: MappedLead['contact'] = { tags: [], fields: {} };
  const notes: Array<[string, string]> = [];
  // In the map's order, not the lead's: stored leads have their keys sorted (movil before telefono).
  const order = Object.keys(map);
  const rank = (field: string) => (order.includes(field) ? order.indexOf(field) : order.length);
  for (const [field, value] of valuesOf(lead).sort(([a], [b]) => rank(a) - rank(b))) {
    const target = map[field] ?? 'ignore';
    if (target === 'ignore' || value.trim() === '') continue;
    if (target === 'tag') contact.tags.push(`${field}:${value}`.toLowerCase());
    else if (target === 'note') notes.push([field, value]);
    else if (target.startsWith('customField:')) contact.fields[target.slice('customField:'.length)] = value;
    else if (contact[target] === undefined) contact[target] = value; // telefono wins over movil (listed first)
  }
  const note = notes.length === 1 ? notes[0]![1] : notes.map(([f, v]) => `${f}: ${v}`).join('\n');
  return { contact, ...(note ? { note } : {}) };
}
