// A contact's workflows, campaigns, followers and appointments (apps/contacts.json "Workflow",
// "Campaigns", "Followers", "Appointments"). Bodies are checked against the spec before a route
// runs (server.ts); success codes and wrappers are the spec's. What the store keeps and the
// choices where HighLevel's behaviour is unknown: src/sandbox/contact-links.ts.
import { SandboxError } from '../types.ts';
import { accessibleContact, objectBody, type SandboxRoute } from './context.ts';

const followersOf = (body: unknown): string[] => {
  const followers = objectBody(body).followers;
  if (!Array.isArray(followers) || !followers.every((f) => typeof f === 'string')) throw new SandboxError(422, ['followers must be an array of strings']);
  return followers as string[];
};

export function contactLinkRoutes(): SandboxRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/contacts/{contactId}/workflow/{workflowId}',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        const start = objectBody(req.body).eventStartTime;
        ctx.store.enrolInWorkflow(id, req.params.workflowId!, typeof start === 'string' ? start : null);
        return { status: 200, body: { succeded: true } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}/workflow/{workflowId}',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        ctx.store.removeFromWorkflow(id, req.params.workflowId!);
        return { status: 200, body: { succeded: true } };
      },
    },
    {
      method: 'POST',
      pattern: '/contacts/{contactId}/campaigns/{campaignId}',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        ctx.store.addToCampaign(id, req.params.campaignId!);
        return { status: 201, body: { succeded: true } };
      },
    },
    {
      // Fewer parameters win in the router, so this answers before .../campaigns/{campaignId}.
      method: 'DELETE',
      pattern: '/contacts/{contactId}/campaigns/removeAll',
      handler: (req, ctx) => {
        ctx.store.removeFromCampaign(accessibleContact(ctx, req.params.contactId!).id);
        return { status: 200, body: { succeded: true } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}/campaigns/{campaignId}',
      handler: (req, ctx) => {
        ctx.store.removeFromCampaign(accessibleContact(ctx, req.params.contactId!).id, req.params.campaignId!);
        return { status: 200, body: { succeded: true } };
      },
    },
    {
      method: 'POST',
      pattern: '/contacts/{contactId}/followers',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        const { followers, changed } = ctx.store.changeFollowers(id, followersOf(req.body), true);
        return { status: 201, body: { followers, followersAdded: changed } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}/followers',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        const { followers, changed } = ctx.store.changeFollowers(id, followersOf(req.body), false);
        return { status: 200, body: { followers, followersRemoved: changed } };
      },
    },
    {
      method: 'GET',
      pattern: '/contacts/{contactId}/appointments',
      handler: (req, ctx) => ({ status: 200, body: { events: ctx.store.appointments(accessibleContact(ctx, req.params.contactId!).id) } }),
    },
  ];
}
