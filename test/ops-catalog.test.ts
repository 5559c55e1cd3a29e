// The action registry (src/ops/catalog.ts) against HighLevel's contract: every route it names is
// in the vendored spec, with the scope the spec requires; every action has its library function.
import { describe, expect, it } from 'vitest';
import { createSpecValidator } from '../src/highlevel-api/validator.ts';
import * as ops from '../src/ops/index.ts';
import { CATALOG, SYNC_READS } from '../src/ops/index.ts';

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
      'completeTask', 'createContact', 'createNote', 'createTask', 'deleteContact', 'deleteNote', 'deleteTask',
      'listContacts', 'listNotes', 'listTasks', 'tagContact', 'untagContact', 'updateContact', 'updateNote', 'updateTask', 'upsertContact',
    ]);
  });
});
