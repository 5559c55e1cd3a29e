// LeadCars shapes as the client sends and returns them. LeadCars publishes no machine-readable
// spec: these follow CONTRACT.md and the manual (LeadCars_API_V2_5.pdf, pages noted).

export type Temperature = 'cold' | 'warn' | 'hot';

/** `estado` of a create or edit: a state id from listStates plus the fields it asks for (p.4-5). */
export interface LeadStateChange {
  id: number | string;
  motivos?: string[];
  texto?: string;
  [field: string]: unknown;
}

/** POST /leads body (p.3-4). */
export interface NewLead {
  nombre: string;
  apellidos: string;
  email: string;
  concesionario: number;
  tipo_lead: number;
  /** E.164, e.g. "+34915715135". */
  telefono?: string;
  movil?: string;
  cp?: string;
  provincia?: string;
  comentario?: string | null;
  url_origen?: string;
  sede?: number;
  campana?: string;
  /** Keys without spaces or special characters; vehicle data goes here. */
  custom?: Record<string, string | number | boolean | null>;
  estado?: LeadStateChange;
  temperature?: Temperature;
}

/** PUT /leads/{id}/submit body (p.7-8): `estado` is required. */
export interface LeadEdit {
  estado: LeadStateChange;
  telefono?: string;
  nombre?: string;
  apellidos?: string;
  cp?: string | number;
  provincia?: string;
  comentario?: string;
  url_origen?: string;
  concesionario?: number;
  sede?: number;
  campana?: string;
  temperature?: Temperature;
}

/** One entry of a lead's `actions.data` (p.7): `entrada_lead`, `comentario`, ... */
export interface LeadAction {
  type: string;
  /** ISO-8601 with offset, as LeadCars sent it. */
  date: string;
  info: string;
}

/** GET /leadinfos/{id} (p.5-7), read tolerantly: what is missing is null, never a throw. */
export interface LeadInfo {
  id: number;
  temperature: string | null;
  statusName: string | null;
  typeName: string | null;
  /** `date_entry.date` / `date_last_action.date`: Madrid local time, "YYYY-MM-DD HH:MM:SS.uuuuuu". */
  dateEntry: string | null;
  dateLastAction: string | null;
  dealer: string | null;
  shop: string | null;
  campaign: { name: string | null; code: string | null };
  assignedUserEmail: string | null;
  person: {
    email: string | null; name: string | null; lastName: string | null; phone: string | null;
    cellphone: string | null; postalCode: string | null; region: string | null;
  };
  contactId: number | null;
  actions: LeadAction[];
  /** The answer as received. */
  raw: unknown;
}

export interface LeadcarsContact {
  id: number;
  email: string | null;
  name: string | null;
  lastName: string | null;
  gdpr: Record<string, unknown>;
  raw: unknown;
}

export interface GdprConsents { gdpr1: boolean; gdpr2: boolean; gdpr3: boolean; gdpr4: boolean }

export interface Dealer { id: number; name: string | null }
export interface Branch { id: number; name: string | null }
export interface Campaign { code: string; name: string | null }
export interface LeadType { id: number; name: string | null; value: string | number | null }
export interface StateField { name: string; type: string | null; title: string | null; required: boolean; options: string[] }
export interface LeadStateDefinition { name: string; id: number; group: string | null; fields: StateField[] }
