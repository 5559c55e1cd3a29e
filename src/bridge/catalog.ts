// What the bridge does on the LeadCars side, for `ghl-etl catalog` beside HighLevel's actions:
// the LeadCars routes it calls (src/leadcars/client.ts) and the intake it answers (src/serve/).
// LeadCars has no scopes: every call carries the cliente-token (`leadcars.token`).

export interface LeadcarsCatalogEntry {
  /** The client method (or, for the intake, the route's job). */
  name: string;
  kind: 'action' | 'read' | 'trigger';
  method: 'GET' | 'POST';
  path: string;
  /** What authorises it: LeadCars' token, or the intake's HMAC secret. */
  scope: string;
  /** The commands that do it. */
  command: string;
  summary: string;
}

const TOKEN = 'leadcars.token';

export const LEADCARS_CATALOG: readonly LeadcarsCatalogEntry[] = [
  { name: 'createLead', kind: 'action', method: 'POST', path: '/leads', scope: TOKEN, command: 'serve, leads import',
    summary: 'a lead received without id_lead is created in LeadCars (leadcars.createLeads), at most once' },
  { name: 'addComment', kind: 'action', method: 'POST', path: '/leads/{id}/comments', scope: TOKEN, command: 'serve, sync',
    summary: 'a task or note change on a linked contact becomes a comment on its lead (bridge.templates)' },
  { name: 'getLead', kind: 'read', method: 'GET', path: '/leadinfos/{id}', scope: TOKEN, command: 'sync, serve',
    summary: 'linked leads read back: status, temperature, last action (bridge.leadUpdates); a comment whose answer was lost is looked for here' },
  { name: 'intakeLead', kind: 'trigger', method: 'POST', path: '/leads (serve\'s intake)', scope: 'intakeSecret (HMAC)', command: 'serve',
    summary: 'a lead posted by LeadCars or a web form: a HighLevel contact, linked to its LeadCars lead' },
];
