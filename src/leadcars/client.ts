// The LeadCars client (CONTRACT.md): one function per documented endpoint, typed results read
// tolerantly from whatever shape LeadCars answers in. Creates and comments are sent at most once
// by the transport; after an unknown outcome a caller looks for its comment with findComment
// before posting again (LeadCars has no idempotency key, and no search to find a lead again).
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../config/errors.ts';
import type { BackoffOptions } from '../http/retry.ts';
import type { Logger } from '../log.ts';
import { LeadcarsOutcomeUnknownError } from './errors.ts';
import type { PacerStats } from './pacer.ts';
import {
  createdLeadId, parseBranches, parseCampaigns, parseContact, parseDealers, parseLeadInfo, parseLeadTypes, parseStates,
} from './parse.ts';
import { LeadcarsTransport } from './transport.ts';
import type {
  Branch, Campaign, Dealer, GdprConsents, LeadAction, LeadEdit, LeadInfo, LeadcarsContact, LeadStateDefinition, LeadType, NewLead,
} from './types.ts';

export const DEFAULT_LEADCARS_RATE_LIMIT = 2;

export interface LeadcarsClientOptions {
  baseUrl: string;
  token: string;
  /** Requests per second; about 2 by default (LeadCars documents no limit). */
  rateLimit?: number;
  http?: { timeoutMs: number; retries: number };
  backoff?: BackoffOptions;
  logger?: Logger;
}

export interface LeadcarsClient {
  /** POST /leads; the new lead's id. Throws LeadcarsOutcomeUnknownError (with `sent`) rather than repeat. */
  createLead(lead: NewLead): Promise<{ id: number }>;
  /** GET /leadinfos/{id}. */
  getLead(leadId: number): Promise<LeadInfo>;
  /** PUT /leads/{id}/submit; `estado` is required. */
  editLead(leadId: number, edit: LeadEdit): Promise<void>;
  /** POST /leads/{id}/comments, sent at most once; an unknown outcome throws LeadcarsOutcomeUnknownError. */
  addComment(leadId: number, text: string): Promise<void>;
  /** The lead's `comentario` action whose text is `text` (ignoring surrounding blanks), if any. */
  findComment(leadId: number, text: string): Promise<LeadAction | undefined>;
  /** POST /leads/{id}/chat_conversation (manual p.8-9 structure), sent at most once. */
  addChatConversation(leadId: number, chat: { chat_id: string; users: unknown[]; messages: unknown[] }): Promise<void>;
  getContact(contactId: number): Promise<LeadcarsContact>;
  /** PUT /gdprs/{id}: all four consents are required (manual p.11). */
  setGdpr(contactId: number, consents: GdprConsents): Promise<void>;
  listDealers(): Promise<Dealer[]>;
  listBranches(dealerId: number): Promise<Branch[]>;
  listCampaigns(dealerId: number): Promise<Campaign[]>;
  listLeadTypes(): Promise<LeadType[]>;
  listStates(): Promise<LeadStateDefinition[]>;
  /** Requests sent, retries and 429s seen by this client. */
  stats(): PacerStats;
}

const idPath = (id: number) => encodeURIComponent(String(id));

export function createLeadcarsClient(opts: LeadcarsClientOptions): LeadcarsClient {
  const transport = new LeadcarsTransport({
    baseUrl: opts.baseUrl,
    token: opts.token,
    rateLimit: opts.rateLimit ?? DEFAULT_LEADCARS_RATE_LIMIT,
    timeoutMs: opts.http?.timeoutMs ?? 30_000,
    retries: opts.http?.retries ?? 5,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const get = (name: string, path: string) => transport.request({ name, method: 'GET', path });

  const getLead = async (leadId: number) => parseLeadInfo(await get('getLead', `/leadinfos/${idPath(leadId)}`), leadId);

  return {
    async createLead(lead) {
      const path = '/leads';
      const body = await transport.request({ name: 'createLead', method: 'POST', path, body: lead, once: true });
      const id = createdLeadId(body);
      if (id === undefined) {
        // The lead exists but we cannot tell which one it is: as unknown as a dropped answer.
        throw new LeadcarsOutcomeUnknownError('LeadCars accepted the lead but its answer named no lead id', lead, {
          operation: { name: 'createLead', method: 'POST', path },
        });
      }
      return { id };
    },
    getLead,
    async editLead(leadId, edit) {
      await transport.request({ name: 'editLead', method: 'PUT', path: `/leads/${idPath(leadId)}/submit`, body: edit });
    },
    async addComment(leadId, text) {
      await transport.request({ name: 'addComment', method: 'POST', path: `/leads/${idPath(leadId)}/comments`, body: { comentario: text }, once: true });
    },
    async findComment(leadId, text) {
      const wanted = text.trim();
      const lead = await getLead(leadId);
      return lead.actions.find((a) => a.type === 'comentario' && a.info.trim() === wanted);
    },
    async addChatConversation(leadId, chat) {
      await transport.request({ name: 'addChatConversation', method: 'POST', path: `/leads/${idPath(leadId)}/chat_conversation`, body: chat, once: true });
    },
    async getContact(contactId) {
      return parseContact(await get('getContact', `/contacts/${idPath(contactId)}`), contactId);
    },
    async setGdpr(contactId, consents) {
      await transport.request({ name: 'setGdpr', method: 'PUT', path: `/gdprs/${idPath(contactId)}`, body: consents });
    },
    listDealers: async () => parseDealers(await get('listDealers', '/concesionarios')),
    listBranches: async (dealerId) => parseBranches(await get('listBranches', `/sedes/${idPath(dealerId)}`)),
    listCampaigns: async (dealerId) => parseCampaigns(await get('listCampaigns', `/campanas/${idPath(dealerId)}`)),
    listLeadTypes: async () => parseLeadTypes(await get('listLeadTypes', '/tipos')),
    listStates: async () => parseStates(await get('listStates', '/listStates')),
    stats: () => ({ ...transport.pacer.stats }),
  };
}

/** The client for the configured LeadCars account (`leadcars.*`, LEADCARS_BASE_URL, LEADCARS_TOKEN). */
export function leadcarsClientFromConfig(config: Config, extra: Pick<LeadcarsClientOptions, 'logger' | 'backoff'> = {}): LeadcarsClient {
  const { baseUrl, token, rateLimit } = config.leadcars;
  if (!token) throw new ConfigError('leadcars.token is not set: set LEADCARS_TOKEN or "leadcars": {"token"} in the config file');
  return createLeadcarsClient({ baseUrl, token, rateLimit, http: config.http, ...extra });
}
