// Tolerant readers for LeadCars answers. The live API answers create, comment and errors in
// undocumented, varying shapes (CONTRACT.md): the new lead's id as `id`, `lead_id`, `data.id` or
// `data.lead_id`; lists bare or as `{success, data[]}`; an error message as a string body,
// `message`, `error`, `error.message`, `msg` or `errors[]`. Each reader accepts all of them and
// returns typed values; what is missing becomes null, not an exception.
import type {
  Branch, Campaign, Dealer, LeadAction, LeadInfo, LeadcarsContact, LeadStateDefinition, LeadType, StateField,
} from './types.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/**
 * A positive integer id given as a number or a numeric string. Beyond Number.MAX_SAFE_INTEGER
 * a number is no longer the id it was written as (99999999999999999999999 reads as 1e+23), so
 * such ids are refused rather than stored wrong.
 */
export function toId(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\s*[1-9]\d*\s*$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  return undefined;
}

/** Whether `text` is a LeadCars id as digits, within the safe-integer range. */
export function isLeadcarsIdText(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) > 0 && Number.isSafeInteger(Number(text));
}

/** The new lead's id from a create answer, wherever it sits; undefined when absent. */
export function createdLeadId(body: unknown): number | undefined {
  const top = obj(body);
  const data = obj(top.data);
  return toId(top.id) ?? toId(top.lead_id) ?? toId(data.id) ?? toId(data.lead_id) ?? toId(typeof body === 'string' ? body : undefined);
}

/** The items of a list answer: a bare array or `{success, data: [...]}`. */
export function listItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const data = obj(body).data;
  return Array.isArray(data) ? data : [];
}

/** The message(s) of an error answer, in any of the observed places. */
export function errorMessages(body: unknown): string[] {
  if (typeof body === 'string') return body.trim() === '' ? [] : [body.trim()];
  const top = obj(body);
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim() !== '') out.push(v.trim());
    else if (isObj(v)) add(v.message ?? v.msg);
  };
  add(top.message);
  if (typeof top.error === 'string') add(top.error);
  else if (isObj(top.error)) add(top.error.message);
  add(top.msg);
  if (Array.isArray(top.errors)) top.errors.forEach(add);
  else if (isObj(top.errors)) Object.values(top.errors).flat().forEach(add);
  return out;
}

/** The date text of a PHP DateTime object (`{date, timezone_type, timezone}`), or a bare string. */
function phpDateText(v: unknown): string | null {
  return typeof v === 'string' ? v : str(obj(v).date);
}

function actionsOf(v: unknown): LeadAction[] {
  const list = Array.isArray(v) ? v : listItems(v);
  return list.filter(isObj).map((a) => ({ type: str(a.type) ?? '', date: str(a.date) ?? '', info: str(a.info) ?? '' }));
}

/** GET /leadinfos/{id}; `fallbackId` is the id asked for, used if the answer lacks one. */
export function parseLeadInfo(body: unknown, fallbackId: number): LeadInfo {
  // Some endpoints wrap single objects too; accept `{data: {...lead}}` when it has no id itself.
  const top = isObj(body) && body.id === undefined && isObj(body.data) ? body.data : obj(body);
  const lead = obj(top.lead);
  const contact = obj(obj(top.contact).data ?? top.contact);
  return {
    id: toId(top.id) ?? fallbackId,
    temperature: str(top.temperature),
    statusName: str(obj(top.status).name),
    typeName: str(obj(top.type).name),
    dateEntry: phpDateText(top.date_entry),
    dateLastAction: phpDateText(top.date_last_action),
    dealer: str(obj(top.dealer).dealer),
    shop: str(obj(top.dealer).shop),
    campaign: { name: str(obj(top.campaign).name), code: str(obj(top.campaign).code) },
    assignedUserEmail: str(obj(top.user).email),
    person: {
      email: str(lead.email), name: str(lead.name), lastName: str(lead.last_name), phone: str(lead.phone),
      cellphone: str(lead.cellphone), postalCode: str(lead.postal_code), region: str(lead.region),
    },
    contactId: toId(contact.id) ?? null,
    actions: actionsOf(top.actions),
    raw: body,
  };
}

export function parseContact(body: unknown, fallbackId: number): LeadcarsContact {
  const top = isObj(body) && body.id === undefined && isObj(body.data) ? body.data : obj(body);
  return {
    id: toId(top.id) ?? fallbackId,
    email: str(top.email),
    name: str(top.name),
    lastName: str(top.last_name),
    gdpr: obj(top.gdpr),
    raw: body,
  };
}

/** A field of an item by any of its spellings (observed: `/tipos` uses upper-case NOMBRE, VALOR). */
function field(item: Obj, ...names: string[]): unknown {
  for (const name of names) {
    if (item[name] !== undefined) return item[name];
  }
  return undefined;
}

export function parseDealers(body: unknown): Dealer[] {
  return listItems(body).filter(isObj).flatMap((d) => {
    const id = toId(field(d, 'id', 'ID', 'id_concesionario'));
    return id === undefined ? [] : [{ id, name: str(field(d, 'nombre', 'NOMBRE', 'name')) }];
  });
}

export function parseBranches(body: unknown): Branch[] {
  return listItems(body).filter(isObj).flatMap((b) => {
    const id = toId(field(b, 'id', 'ID', 'id_sede'));
    return id === undefined ? [] : [{ id, name: str(field(b, 'nombre', 'NOMBRE', 'name')) }];
  });
}

export function parseCampaigns(body: unknown): Campaign[] {
  return listItems(body).filter(isObj).flatMap((c) => {
    const code = str(field(c, 'codigo', 'CODIGO', 'code', 'codigo_campana'));
    return code === null ? [] : [{ code, name: str(field(c, 'nombre', 'NOMBRE', 'name')) }];
  });
}

export function parseLeadTypes(body: unknown): LeadType[] {
  return listItems(body).filter(isObj).flatMap((t) => {
    const value = field(t, 'VALOR', 'valor', 'value');
    const id = toId(field(t, 'id', 'ID')) ?? toId(value);
    if (id === undefined) return [];
    return [{ id, name: str(field(t, 'NOMBRE', 'nombre', 'name')), value: typeof value === 'number' || typeof value === 'string' ? value : null }];
  });
}

/** GET /listStates: a map of state name to `{id, group, fields[]}` (p.5), possibly wrapped in `data`. */
export function parseStates(body: unknown): LeadStateDefinition[] {
  const map = isObj(body) && isObj(body.data) ? body.data : obj(body);
  return Object.entries(map).flatMap(([name, v]) => {
    const s = obj(v);
    const id = toId(s.id);
    if (id === undefined) return [];
    const fields: StateField[] = (Array.isArray(s.fields) ? s.fields : []).filter(isObj).map((f) => ({
      name: str(f.name) ?? '',
      type: str(f.type),
      title: str(f.title),
      required: f.required === true || f.required === 1 || f.required === '1' || f.required === 'true',
      options: Array.isArray(f.options) ? f.options.map(String) : [],
    }));
    return [{ name, id, group: str(s.group), fields }];
  });
}
