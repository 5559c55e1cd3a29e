// The action registry (src/ops/catalog.ts) against HighLevel's contract: every route it names is
// in the vendored spec, with the scope the spec requires; every action has its library function.
import { describe, expect, it } from 'vitest';
import { createSpecValidator } from '../src/highlevel-api/validator.ts';
import * as ops from '../src/ops/index.ts';
import { CATALOG, SYNC_READS, TRIGGERS } from '../src/ops/index.ts';
import { readVendoredSpec } from '../src/highlevel-api/load.ts';
import { operationsOf } from '../src/highlevel-api/openapi.ts';
import WEBHOOK_EVENTS from '../src/highlevel-api/vendor/webhooks/events.json' with { type: 'json' };

describe('catalog', () => {
  const validator = createSpecValidator();
  const sample = (path: string) => path.replace(/\{\w+\}/g, 'Abc123');

  it('every entry\'s routes (actions and the sync\'s reads) exist in the vendored spec, with the scope the spec requires', () => {
    const problems: string[] = [];
    for (const entry of [...CATALOG, ...SYNC_READS]) {
      for (const route of 'also' in entry ? [entry, ...entry.also] : [entry]) {
        const op = validator.match(route.method, sample(route.path));
        if (!op) problems.push(`${entry.name}: ${route.method} ${route.path} is not in the spec`);
        else if (op.pathTemplate !== route.path) problems.push(`${entry.name}: ${route.path} matched ${op.pathTemplate}`);
        else if (!op.scopes.includes(route.scope)) problems.push(`${entry.name}: ${route.method} ${route.path} needs ${op.scopes.join('|')}, not ${route.scope}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names each action once, each with an exported function and a command', () => {
    const names = CATALOG.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of CATALOG) {
      expect(typeof (ops as Record<string, unknown>)[entry.name], entry.name).toBe('function');
      expect(entry.command).toMatch(/^(contacts|tasks|notes) [a-z]+/);
    }
    expect(names.sort()).toEqual([
      'addFollowers', 'addToCampaign', 'addToWorkflow', 'bulkBusiness', 'bulkTag', 'completeTask', 'createContact', 'createNote', 'createTask',
      'deleteContact', 'deleteNote', 'deleteTask', 'findDuplicate', 'getContact', 'getNote', 'getTask', 'listAppointments', 'listBusinessContacts',
      'listContacts', 'listNotes', 'listTasks', 'removeFollowers', 'removeFromAllCampaigns', 'removeFromCampaign', 'removeFromWorkflow',
      'tagContact', 'untagContact', 'updateContact', 'updateNote', 'updateTask', 'upsertContact',
    ]);
  });

  it('has an entry (action or sync read) for every operation of the vendored Contacts API: a new one in the spec fails here', () => {
    const listed = new Set([...CATALOG, ...SYNC_READS].map((e) => `${e.method} ${e.path}`));
    const missing = operationsOf(readVendoredSpec('contacts'))
      .map(({ method, path, op }) => ({ route: `${method.toUpperCase()} ${path}`, id: op.operationId }))
      .filter(({ route }) => !listed.has(route));
    expect(missing).toEqual([]);
  });

  it('lists every contact, task and note webhook event of the vendored events as a trigger', () => {
    const events = Object.keys(WEBHOOK_EVENTS as Record<string, unknown>)
      .filter((name) => /^(Contact|Task|Note)/.test(name));
    expect(events.length).toBe(11);
    expect(TRIGGERS.map((t) => t.name).sort()).toEqual(events.sort());
  });
});
