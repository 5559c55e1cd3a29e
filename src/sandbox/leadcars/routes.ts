// LeadCars' documented endpoints (manual v2.5; CONTRACT.md "Endpoints") over the sandbox store.
// Automagic (/journeys/*, p.14-17) is an optional paid module with its own api-user/api-token
// headers and is not simulated.
import type { Route, SandboxResponse } from '../http.ts';
import type { Shaper } from './shapes.ts';
import type { LeadcarsStore } from './store.ts';
import {
  asId, chatProblems, commentProblems, createLeadProblems, editLeadProblems, gdprProblems,
} from './validate.ts';

export interface LeadcarsContext {
  store: LeadcarsStore;
  shaper: Shaper;
}

const ok = (body: unknown): SandboxResponse => ({ status: 200, body });

export function refused(ctx: LeadcarsContext, status: number, messages: string[]): SandboxResponse {
  return { status, body: ctx.shaper.error(messages) };
}

/** The lead of `{idLead}`, or the 404 to answer. */
function leadOr404(ctx: LeadcarsContext, raw: string | undefined): number | SandboxResponse {
  const id = asId(raw);
  if (id === undefined || !ctx.store.hasLead(id)) return refused(ctx, 404, [`Lead ${raw} no encontrado`]);
  return id;
}

function dealerOr404(ctx: LeadcarsContext, raw: string | undefined): number | SandboxResponse {
  const id = asId(raw);
  if (id === undefined || !ctx.store.catalog.dealers.some((d) => d.id === id)) return refused(ctx, 404, [`Concesionario ${raw} no encontrado`]);
  return id;
}

export function leadcarsRoutes(): Array<Route<LeadcarsContext>> {
  return [
    {
      method: 'POST', pattern: '/leads', handler: (req, ctx) => {
        const problems = createLeadProblems(req.body, ctx.store.catalog);
        if (problems.length > 0) return refused(ctx, 400, problems);
        return { status: 201, body: ctx.shaper.created(ctx.store.createLead(req.body as Record<string, unknown>)) };
      },
    },
    {
      method: 'GET', pattern: '/leadinfos/{idLead}', handler: (req, ctx) => {
        const id = leadOr404(ctx, req.params.idLead);
        return typeof id === 'number' ? ok(ctx.store.leadInfo(id)) : id;
      },
    },
    {
      method: 'PUT', pattern: '/leads/{idLead}/submit', handler: (req, ctx) => {
        const id = leadOr404(ctx, req.params.idLead);
        if (typeof id !== 'number') return id;
        const problems = editLeadProblems(req.body, ctx.store.catalog, ctx.store.dealerOf(id));
        if (problems.length > 0) return refused(ctx, 400, problems);
        ctx.store.editLead(id, req.body as Record<string, unknown>);
        return ok({ success: true, id });
      },
    },
    {
      method: 'POST', pattern: '/leads/{idLead}/comments', handler: (req, ctx) => {
        const id = leadOr404(ctx, req.params.idLead);
        if (typeof id !== 'number') return id;
        const problems = commentProblems(req.body);
        if (problems.length > 0) return refused(ctx, 400, problems);
        ctx.store.addComment(id, (req.body as { comentario: string }).comentario);
        return { status: 201, body: { success: true } };
      },
    },
    {
      method: 'POST', pattern: '/leads/{idLead}/chat_conversation', handler: (req, ctx) => {
        const id = leadOr404(ctx, req.params.idLead);
        if (typeof id !== 'number') return id;
        const problems = chatProblems(req.body);
        if (problems.length > 0) return refused(ctx, 400, problems);
        ctx.store.addChat(id, req.body);
        return { status: 201, body: { success: true } };
      },
    },
    {
      method: 'GET', pattern: '/contacts/{idContacto}', handler: (req, ctx) => {
        const id = asId(req.params.idContacto);
        const contact = id === undefined ? undefined : ctx.store.contact(id);
        return contact ? ok(contact) : refused(ctx, 404, [`Contacto ${req.params.idContacto} no encontrado`]);
      },
    },
    {
      method: 'PUT', pattern: '/gdprs/{idContact}', handler: (req, ctx) => {
        const id = asId(req.params.idContact);
        if (id === undefined || !ctx.store.contact(id)) return refused(ctx, 404, [`Contacto ${req.params.idContact} no encontrado`]);
        const problems = gdprProblems(req.body);
        if (problems.length > 0) return refused(ctx, 400, problems);
        ctx.store.setGdpr(id, req.body as { gdpr1: boolean; gdpr2: boolean; gdpr3: boolean; gdpr4: boolean });
        return ok({ success: true });
      },
    },
    {
      method: 'GET', pattern: '/concesionarios', handler: (_req, ctx) =>
        ok(ctx.shaper.list(ctx.store.catalog.dealers.map((d) => ({ id: d.id, nombre: d.name })))),
    },
    {
      method: 'GET', pattern: '/sedes/{concesionario}', handler: (req, ctx) => {
        const dealer = dealerOr404(ctx, req.params.concesionario);
        if (typeof dealer !== 'number') return dealer;
        return ok(ctx.shaper.list(ctx.store.catalog.branches.filter((b) => b.dealerId === dealer).map((b) => ({ id: b.id, nombre: b.name }))));
      },
    },
    {
      method: 'GET', pattern: '/campanas/{concesionario}', handler: (req, ctx) => {
        const dealer = dealerOr404(ctx, req.params.concesionario);
        if (typeof dealer !== 'number') return dealer;
        return ok(ctx.shaper.list(ctx.store.catalog.campaigns.filter((c) => c.dealerId === dealer).map((c) => ({ codigo: c.code, nombre: c.name }))));
      },
    },
    {
      // Observed: upper-case NOMBRE and VALOR plus id (CONTRACT.md).
      method: 'GET', pattern: '/tipos', handler: (_req, ctx) =>
        ok(ctx.shaper.list(ctx.store.catalog.types.map((t) => ({ id: t.id, NOMBRE: t.name, VALOR: t.id })))),
    },
    {
      // A map of state name to {id, group, fields}, as the manual shows (p.5).
      method: 'GET', pattern: '/listStates', handler: (_req, ctx) =>
        ok(Object.fromEntries(ctx.store.catalog.states.map((s) => [s.name, { id: s.id, group: s.group, fields: s.fields }]))),
    },
  ];
}

