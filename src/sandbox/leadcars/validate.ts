// What the LeadCars manual (v2.5, LeadCars_API_V2_5.pdf) requires of a request body. Each
// function returns the problems found, in Spanish like the product; none means valid. Where the
// manual is silent the sandbox is strict (unknown fields refused) so a client mistake shows here
// rather than as data silently dropped by the real API.
import type { Catalog, LeadState } from './catalog.ts';

type Body = Record<string, unknown>;

export function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The manual types ids as "Número" yet quotes them in its own cURL example (p.4): both pass. */
export function asId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^[1-9]\d*$/.test(value)) return Number(value);
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/; // "estructura x@y.z", p.3
const E164 = /^\+[1-9]\d{6,14}$/; // "+CODIGOPAISNUMERO, ej. +34915715135", p.3
const CUSTOM_KEY = /^[A-Za-z0-9_]+$/; // "sin caracteres especiales ni espacios", p.4
const TEMPERATURES = ['cold', 'warn', 'hot']; // p.3 and p.8, spelled "warn"

const CREATE_FIELDS = ['nombre', 'apellidos', 'telefono', 'movil', 'email', 'cp', 'provincia', 'comentario', 'url_origen', 'concesionario', 'sede', 'tipo_lead', 'campana', 'custom', 'estado', 'temperature'];
const EDIT_FIELDS = ['telefono', 'nombre', 'apellidos', 'cp', 'provincia', 'comentario', 'url_origen', 'concesionario', 'sede', 'campana', 'estado', 'temperature'];

const present = (v: unknown) => v !== undefined && v !== null && v !== '';
const optionalText = (v: unknown) => v === undefined || v === null || typeof v === 'string';

function unknownFields(body: Body, allowed: string[]): string[] {
  return Object.keys(body).filter((k) => !allowed.includes(k)).map((k) => `El campo ${k} no existe`);
}

function requiredText(body: Body, name: string, problems: string[]): void {
  if (typeof body[name] !== 'string' || (body[name] as string).trim() === '') problems.push(`El campo ${name} es requerido`);
}

function phone(body: Body, name: string, problems: string[]): void {
  if (!present(body[name])) return;
  if (typeof body[name] !== 'string' || !E164.test(body[name])) problems.push(`El campo ${name} debe tener formato E.164 (+34915715135)`);
}

function url(body: Body, problems: string[]): void {
  const v = body.url_origen;
  if (!present(v)) return;
  try {
    const u = new URL(String(v));
    if (typeof v !== 'string' || !/^https?:$/.test(u.protocol)) throw new Error('not http');
  } catch {
    problems.push('El campo url_origen debe ser una URL completa');
  }
}

/** Dealer, branch and campaign must exist and belong together (ids "obtenidos de" the lists). */
function dealerFields(body: Body, catalog: Catalog, dealerRequired: boolean, problems: string[], currentDealer?: number): void {
  let dealer = currentDealer;
  if (body.concesionario !== undefined || dealerRequired) {
    const id = asId(body.concesionario);
    if (id === undefined) {
      problems.push(dealerRequired && !present(body.concesionario) ? 'El campo concesionario es requerido' : 'El campo concesionario debe ser numérico');
      return;
    }
    if (!catalog.dealers.some((d) => d.id === id)) {
      problems.push(`El concesionario ${id} no existe`);
      return;
    }
    dealer = id;
  }
  if (present(body.sede)) {
    const id = asId(body.sede);
    if (id === undefined) problems.push('El campo sede debe ser numérico');
    else if (!catalog.branches.some((b) => b.id === id && b.dealerId === dealer)) problems.push(`La sede ${id} no pertenece al concesionario ${dealer}`);
  }
  if (present(body.campana)) {
    if (typeof body.campana !== 'string') problems.push('El campo campana debe ser un código de campaña');
    else if (!catalog.campaigns.some((c) => c.code === body.campana && c.dealerId === dealer)) problems.push(`La campaña ${body.campana} no pertenece al concesionario ${dealer}`);
  }
}

/** estado: `{id, ...fields}` where the state's required fields must be filled (p.4, p.5, p.8). */
export function stateProblems(estado: unknown, catalog: Catalog): { state?: LeadState; problems: string[] } {
  if (!isObject(estado)) return { problems: ['El campo estado debe ser un objeto {id, motivos, texto}'] };
  const id = asId(estado.id);
  const state = id === undefined ? undefined : catalog.states.find((s) => s.id === id);
  if (!state) return { problems: [`El estado ${String(estado.id)} no existe`] };
  const problems: string[] = [];
  const known = ['id', ...state.fields.map((f) => f.name)];
  for (const key of Object.keys(estado)) if (!known.includes(key)) problems.push(`El campo estado.${key} no existe en el estado ${state.name}`);
  for (const field of state.fields) {
    const value = estado[field.name];
    if (field.type === 'checkbox') {
      if (value === undefined && !field.required) continue;
      if (!Array.isArray(value) || (field.required && value.length === 0)) {
        problems.push(`El campo estado.${field.name} es requerido en el estado ${state.name}`);
        continue;
      }
      for (const option of value) {
        if (!field.options?.includes(option as string)) problems.push(`estado.${field.name}: opción no válida ${JSON.stringify(option)}`);
      }
    } else if (field.required && (typeof value !== 'string' || value.trim() === '')) {
      problems.push(`El campo estado.${field.name} es requerido en el estado ${state.name}`);
    } else if (!optionalText(value)) {
      problems.push(`El campo estado.${field.name} debe ser texto`);
    }
  }
  return { state, problems };
}

function common(body: Body, catalog: Catalog, problems: string[]): void {
  for (const name of ['provincia', 'comentario']) if (!optionalText(body[name])) problems.push(`El campo ${name} debe ser texto`);
  phone(body, 'telefono', problems);
  url(body, problems);
  if (body.temperature !== undefined && body.temperature !== null && !TEMPERATURES.includes(body.temperature as string)) {
    problems.push('El campo temperature debe ser cold, warn o hot');
  }
  if (body.estado !== undefined) problems.push(...stateProblems(body.estado, catalog).problems);
}

/** POST /leads (manual p.3-4). */
export function createLeadProblems(body: unknown, catalog: Catalog): string[] {
  if (!isObject(body)) return ['El cuerpo debe ser un objeto JSON'];
  const problems = unknownFields(body, CREATE_FIELDS);
  requiredText(body, 'nombre', problems);
  requiredText(body, 'apellidos', problems);
  requiredText(body, 'email', problems);
  if (typeof body.email === 'string' && body.email.trim() !== '' && !EMAIL.test(body.email)) problems.push('El campo email no tiene un formato válido');
  dealerFields(body, catalog, true, problems);
  const type = asId(body.tipo_lead);
  if (!present(body.tipo_lead)) problems.push('El campo tipo_lead es requerido');
  else if (type === undefined) problems.push('El campo tipo_lead debe ser numérico');
  else if (!catalog.types.some((t) => t.id === type)) problems.push(`El tipo de lead ${type} no existe`);
  phone(body, 'movil', problems);
  if (!optionalText(body.cp)) problems.push('El campo cp debe ser texto');
  if (body.custom !== undefined && body.custom !== null) {
    if (!isObject(body.custom)) problems.push('El campo custom debe ser un objeto clave:valor');
    else {
      for (const [key, value] of Object.entries(body.custom)) {
        if (!CUSTOM_KEY.test(key)) problems.push(`custom: la clave ${JSON.stringify(key)} no puede llevar espacios ni caracteres especiales`);
        if (value !== null && typeof value === 'object') problems.push(`custom.${key}: el valor debe ser simple`);
      }
    }
  }
  common(body, catalog, problems);
  return problems;
}

/** PUT /leads/{id}/submit (manual p.7-8): `estado` required; `cp` typed as a number there. */
export function editLeadProblems(body: unknown, catalog: Catalog, currentDealer: number): string[] {
  if (!isObject(body)) return ['El cuerpo debe ser un objeto JSON'];
  const problems = unknownFields(body, EDIT_FIELDS);
  if (body.estado === undefined || body.estado === null) problems.push('El campo estado es requerido');
  for (const name of ['nombre', 'apellidos']) {
    if (body[name] !== undefined && (typeof body[name] !== 'string' || (body[name] as string).trim() === '')) problems.push(`El campo ${name} no puede estar vacío`);
  }
  if (body.cp !== undefined && body.cp !== null && !(typeof body.cp === 'number' || (typeof body.cp === 'string' && /^\d+$/.test(body.cp)))) {
    problems.push('El campo cp debe ser numérico');
  }
  dealerFields(body, catalog, false, problems, currentDealer);
  common(body, catalog, problems);
  return problems;
}

/** POST /leads/{id}/comments: the manual lists no body (p.8); the observed body is {comentario}. */
export function commentProblems(body: unknown): string[] {
  if (!isObject(body) || typeof body.comentario !== 'string' || body.comentario.trim() === '') return ['El campo comentario es requerido'];
  return unknownFields(body, ['comentario']);
}

/** PUT /gdprs/{id} (manual p.11): gdpr1..gdpr4, all booleans, all required. */
export function gdprProblems(body: unknown): string[] {
  if (!isObject(body)) return ['El cuerpo debe ser un objeto JSON'];
  const problems = unknownFields(body, ['gdpr1', 'gdpr2', 'gdpr3', 'gdpr4']);
  for (const name of ['gdpr1', 'gdpr2', 'gdpr3', 'gdpr4']) {
    if (typeof body[name] !== 'boolean') problems.push(`El campo ${name} es requerido (true/false)`);
  }
  return problems;
}

/** POST /leads/{id}/chat_conversation (manual p.8-9): chat_id, users[], messages[]. */
export function chatProblems(body: unknown): string[] {
  if (!isObject(body)) return ['El cuerpo debe ser un objeto JSON'];
  const problems: string[] = [];
  if (typeof body.chat_id !== 'string' || body.chat_id === '') problems.push('El campo chat_id es requerido');
  if (!Array.isArray(body.users)) problems.push('El campo users es requerido');
  if (!Array.isArray(body.messages)) problems.push('El campo messages es requerido');
  else {
    body.messages.forEach((m, i) => {
      if (!isObject(m) || !isObject(m.message) || typeof m.message.text !== 'string') problems.push(`messages[${i}].message.text es requerido`);
    });
  }
  return problems;
}
