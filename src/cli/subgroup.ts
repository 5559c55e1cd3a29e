// A noun under a noun (`contacts workflows add`, `contacts bulk tags add`): created on first use
// so each verb's file can add itself, with the same help behaviour as the top-level groups.
import type { Command } from 'commander';

export function subgroup(parent: Command, name: string, summary: string): Command {
  const existing = parent.commands.find((c) => c.name() === name);
  if (existing) return existing;
  const noun = parent.command(name).summary(summary).description(summary);
  noun.showSuggestionAfterError(true).helpCommand(false);
  return noun;
}
