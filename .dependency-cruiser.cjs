// The layering of README "Structure", checked in CI (`npm run lint:deps`, called by .ci/run).
// Data flows one way: CLI -> jobs -> client/db; the HighLevel contract depends on nothing of ours.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'only-the-cli-imports-the-cli',
      comment: 'Jobs, the client, the database and auth return results or throw typed errors; only src/cli maps them to exit codes and output.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-the-cli-imports-serve',
      comment: 'Faces (src/cli, src/serve, the coming src/mcp) call jobs; serve is started by the CLI and imports the bridge, never the reverse, and no other face imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|serve)/' },
      to: { path: '^src/serve/' },
    },
    {
      name: 'a-command-never-imports-a-command',
      comment: 'Code several commands share lives in src/cli/*.ts or in a job, not in a command file; only the command list (index.ts) imports them.',
      severity: 'error',
      from: { path: '^src/cli/commands/', pathNot: '^src/cli/commands/index\\.ts$' },
      to: { path: '^src/cli/commands/' },
    },
    {
      name: 'only-db-talks-to-the-database',
      comment: 'The database is one seam (src/db): no other code imports the ORM, a driver or the job queue (pg-boss runs SQL), so a second engine plugs in there.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/' },
      to: { path: '(^|/)node_modules/(drizzle-orm|better-sqlite3|pg|pg-boss|pg-copy-streams|postgres)/' },
    },
    {
      name: 'the-raw-connection-stays-in-db',
      comment: 'sqliteOf / ormOf / prepared reach the connection behind a Db: only src/db uses them (tests may).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/' },
      to: { path: '^src/db/(connection|statements)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'db-never-calls-the-api',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/ghl/' },
    },
    {
      name: 'the-client-never-touches-the-db',
      severity: 'error',
      from: { path: '^src/ghl/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'the-client-knows-no-login',
      comment: 'src/auth builds on the transport, never the other way round.',
      severity: 'error',
      from: { path: '^src/ghl/' },
      to: { path: '^src/auth/' },
    },
    {
      name: 'the-sandbox-is-a-stand-in',
      comment: 'The simulator shares only the HighLevel contract and the logger with the product.',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/', pathNot: ['^src/sandbox/', '^src/highlevel-api/', '^src/log\\.ts$'] },
    },
    {
      name: 'the-contract-stands-alone',
      severity: 'error',
      from: { path: '^src/highlevel-api/' },
      to: { path: '^src/(ghl|db|sandbox|sync|auth|cli|app)/' },
    },
    {
      name: 'no-cycles',
      comment: 'A cycle of type-only imports (erased at run time) is not counted.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', '(^|/)node_modules/(drizzle-orm|better-sqlite3|pg|pg-boss|pg-copy-streams|postgres)/'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'] },
  },
};
