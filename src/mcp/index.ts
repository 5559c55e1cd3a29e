// The MCP face: tools over the mirror for assistants (Claude Desktop, Cursor, VS Code).
export { createMcpServer, MAX_LIMIT, type McpDeps } from './server.ts';
export { serveStdio } from './stdio.ts';
