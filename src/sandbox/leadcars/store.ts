// The LeadCars sandbox's data: leads and the contacts (persons) behind them, in memory. A lead is
// shown exactly as GET /leadinfos/{id} shows it in the manual (p.5-7); comments and the lead's
// entry are its `actions.data`, oldest first.
import { createRng } from '../random.ts';
import { asId } from './validate.ts';
import type { Catalog, LeadState } from './catalog.ts';
import { isoMadrid, phpDate, type PhpDate } from './dates.ts';

type Body = Record<string, unknown>;

export interface LeadAction { type: string; date: string; info: string }

export interface GdprFlags {
  gdpr1: boolean; gdpr2: boolean; gdpr3: boolean; gdpr4: boolean;
  date_check_gdpr: PhpDate | null;
  ip_check_gdpr: string | null;
  browser_check_gdpr: string | null;
  validate: boolean;
  date_validate: PhpDate | null;
  validate_to_leadcars: boolean;
}

/** GET /contacts/{id} (manual p.9-10). */
export interface ContactView {
  /** gdpr4 is set by PUT /gdprs (p.11) but never shown: neither view in the manual has it. */
  id: number; group: string; dealer: string; name: string | null; last_name: string | null;
  birthday: null; country: string; region: string | null; city: null; postal_code: string | null;
  location: null; address: null; phone: string | null; phone_other: string | null; cellphone: string | null;
  email: string; civil_status: null; children: null; profession: null; company: null; use_vehicle: null;
  gdpr: Omit<GdprFlags, 'gdpr4'>;
}

interface LeadRecord {
  id: number;
  contactId: number;
  dealerId: number;
  branchId: number | null;
  campaignCode: string | null;
  typeId: number;
  state: LeadState | null;
  temperature: string | null;
  fields: { nombre: string; apellidos: string; email: string; telefono: string | null; movil: string | null; cp: string | null; provincia: string | null; comentario: string | null; url_origen: string | null };
  custom: Record<string, unknown>;
  enteredAt: number;
  lastActionAt: number;
  actions: LeadAction[];
  chats: unknown[];
}

const text = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

export class LeadcarsStore {
  private readonly leads = new Map<number, LeadRecord>();
  private readonly contacts = new Map<number, ContactView>();
  private readonly contactByEmail = new Map<string, number>();
  private readonly gdpr4 = new Map<number, boolean>();
  private nextLeadId: number;
  private nextContactId: number;

  constructor(readonly catalog: Catalog, seed: number, private readonly now: () => number) {
    const rng = createRng(seed);
    // Seeded, realistic-looking ids (the manual shows lead 799119, contact 139035).
    this.nextLeadId = rng.int(700_000, 899_999);
    this.nextContactId = rng.int(100_000, 199_999);
  }

  private dealerName(id: number): string {
    return this.catalog.dealers.find((d) => d.id === id)?.name ?? '';
  }

  private contactFor(body: Body, dealerId: number): number {
    const email = String(body.email).trim().toLowerCase();
    const known = this.contactByEmail.get(email);
    if (known !== undefined) return known;
    const id = this.nextContactId++;
    this.contacts.set(id, {
      id, group: 'Demo LeadCars', dealer: this.dealerName(dealerId), name: text(body.nombre), last_name: text(body.apellidos),
      birthday: null, country: 'España', region: text(body.provincia), city: null, postal_code: text(body.cp), location: null,
      address: null, phone: text(body.telefono), phone_other: null, cellphone: text(body.movil), email: String(body.email).trim(),
      civil_status: null, children: null, profession: null, company: null, use_vehicle: null,
      gdpr: {
        gdpr1: false, gdpr2: false, gdpr3: false, date_check_gdpr: null, ip_check_gdpr: null,
        browser_check_gdpr: null, validate: false, date_validate: null, validate_to_leadcars: false,
      },
    });
    this.contactByEmail.set(email, id);
    return id;
  }

  /**
   * Stores a validated POST /leads body; returns the new lead's id. Its `comentario` is kept on
   * the lead but not made an action: the manual shows only `entrada_lead` for a new lead (p.7).
   */
  createLead(body: Body): number {
    const at = this.now();
    const dealerId = asId(body.concesionario)!;
    const typeId = asId(body.tipo_lead)!;
    const id = this.nextLeadId++;
    const estado = body.estado as { id?: unknown } | undefined;
    const record: LeadRecord = {
      id,
      contactId: this.contactFor(body, dealerId),
      dealerId,
      branchId: asId(body.sede) ?? null,
      campaignCode: text(body.campana),
      typeId,
      state: estado ? this.catalog.states.find((s) => s.id === asId(estado.id)) ?? null : null,
      temperature: text(body.temperature),
      fields: {
        nombre: String(body.nombre), apellidos: String(body.apellidos), email: String(body.email).trim(),
        telefono: text(body.telefono), movil: text(body.movil), cp: text(body.cp), provincia: text(body.provincia),
        comentario: text(body.comentario), url_origen: text(body.url_origen),
      },
      custom: { ...((body.custom as Record<string, unknown> | undefined) ?? {}) },
      enteredAt: at,
      lastActionAt: at,
      actions: [{ type: 'entrada_lead', date: isoMadrid(at), info: this.catalog.types.find((t) => t.id === typeId)!.name }],
      chats: [],
    };
    this.leads.set(id, record);
    return id;
  }

  hasLead(id: number): boolean {
    return this.leads.has(id);
  }

  dealerOf(id: number): number {
    return this.leads.get(id)!.dealerId;
  }

  addComment(id: number, comment: string): LeadAction {
    const lead = this.leads.get(id)!;
    const at = this.now();
    const action = { type: 'comentario', date: isoMadrid(at), info: comment };
    lead.actions.push(action);
    lead.lastActionAt = at;
    return action;
  }

  /** Applies a validated PUT /leads/{id}/submit body. */
  editLead(id: number, body: Body): void {
    const lead = this.leads.get(id)!;
    const f = lead.fields;
    if (body.nombre !== undefined) f.nombre = String(body.nombre);
    if (body.apellidos !== undefined) f.apellidos = String(body.apellidos);
    for (const key of ['telefono', 'cp', 'provincia', 'comentario', 'url_origen'] as const) {
      if (body[key] !== undefined) f[key] = text(body[key]);
    }
    if (body.concesionario !== undefined) lead.dealerId = asId(body.concesionario)!;
    if (body.sede !== undefined) lead.branchId = asId(body.sede) ?? null;
    if (body.campana !== undefined) lead.campaignCode = text(body.campana);
    if (body.temperature !== undefined) lead.temperature = text(body.temperature);
    const estado = body.estado as { id: unknown };
    lead.state = this.catalog.states.find((s) => s.id === asId(estado.id)) ?? lead.state;
    lead.lastActionAt = this.now();
  }

  addChat(id: number, chat: unknown): void {
    const lead = this.leads.get(id)!;
    lead.chats.push(chat);
    lead.lastActionAt = this.now();
  }

  contact(id: number): ContactView | undefined {
    const c = this.contacts.get(id);
    return c && structuredClone(c);
  }

  setGdpr(id: number, flags: { gdpr1: boolean; gdpr2: boolean; gdpr3: boolean; gdpr4: boolean }): boolean {
    const c = this.contacts.get(id);
    if (!c) return false;
    Object.assign(c.gdpr, { gdpr1: flags.gdpr1, gdpr2: flags.gdpr2, gdpr3: flags.gdpr3, date_check_gdpr: phpDate(this.now()) });
    this.gdpr4.set(id, flags.gdpr4);
    return true;
  }

  /** The lead as GET /leadinfos/{id} answers (manual p.5-7). */
  leadInfo(id: number): Record<string, unknown> | undefined {
    const lead = this.leads.get(id);
    if (!lead) return undefined;
    const now = this.now();
    const idleHours = Math.floor((now - lead.lastActionAt) / 3_600_000);
    const campaign = lead.campaignCode === null ? undefined : this.catalog.campaigns.find((c) => c.code === lead.campaignCode && c.dealerId === lead.dealerId);
    const contact = this.contacts.get(lead.contactId)!;
    return {
      id: lead.id,
      planning: { calls: 0, visits: 0 },
      temperature: lead.temperature,
      vehicle_text: '',
      lights: { status: idleHours < 24 ? 'verde' : idleHours < 72 ? 'amarillo' : 'rojo', days: Math.floor(idleHours / 24), hours: idleHours % 24 },
      date_entry: phpDate(lead.enteredAt),
      date_last_action: phpDate(lead.lastActionAt),
      dealer: { dealer: this.dealerName(lead.dealerId), shop: this.catalog.branches.find((b) => b.id === lead.branchId)?.name ?? '' },
      campaign: { name: campaign?.name ?? null, code: campaign?.code ?? null },
      status: { name: lead.state?.name ?? 'Sin Estado', num_new_actions: 0 },
      type: { name: this.catalog.types.find((t) => t.id === lead.typeId)!.name, num_new_actions: 0 },
      user: { email: null, auto_assigned: 0 },
      lead: {
        email: lead.fields.email, name: lead.fields.nombre, last_name: lead.fields.apellidos, phone: lead.fields.telefono,
        cellphone: lead.fields.movil, postal_code: lead.fields.cp, region: lead.fields.provincia,
      },
      contact: { data: structuredClone(contact) },
      actions: { data: lead.actions.map((a) => ({ ...a })) },
    };
  }

  allLeadInfos(): Array<Record<string, unknown>> {
    return [...this.leads.keys()].map((id) => this.leadInfo(id)!);
  }
}
