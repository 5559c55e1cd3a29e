// A command is a name ("sync", "auth login"), a line of help and a run function that returns an
// exit code. Commands live in src/cli/commands/ and are listed in src/cli/commands/index.ts.
export interface Command {
  /** Noun, or noun and verb: "sync", "auth login". */
  name: string;
  summary: string;
  /** Usage line and flag list shown by --help. */
  usage: string;
  run(argv: string[]): Promise<number>;
}
