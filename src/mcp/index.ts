// The MCP face: tools over the mirror for assistants (Claude Desktop, Cursor, VS Code).
export { createMcpServer, MAX_LIMIT, type McpDeps } from './server.ts';
export { serveStdio } from './stdio.ts';
export { checkHttpToken, McpHttpTokenError, MCP_HTTP_PATH, MIN_HTTP_TOKEN_LENGTH, startMcpHttp, type McpHttpServer } from './http.ts';
