// `ghl-etl mcp` on stdio, the way desktop assistants start a server: protocol messages on stdout
// only (logs go to stderr through the logger), and the server ends when the client closes stdin.
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer, type McpDeps } from './server.ts';

/** Serves until the client closes stdin (or the transport closes); resolves once all is closed. */
export async function serveStdio(deps: McpDeps, io: { stdin?: Readable; stdout?: Writable } = {}): Promise<void> {
  const stdin = io.stdin ?? process.stdin;
  const { server, close } = createMcpServer(deps);
  const transport = new StdioServerTransport(stdin, io.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  const end = () => void server.close();
  stdin.once('end', end);
  stdin.once('close', end);
  await server.connect(transport);
  try {
    await closed;
  } finally {
    stdin.off('end', end);
    stdin.off('close', end);
    await close();
    // The transport stops reading but leaves stdin open; release it so the process can exit.
    stdin.pause();
  }
}
