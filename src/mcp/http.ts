// `ghl-etl mcp --http`: the same tools over Streamable HTTP on 127.0.0.1, for assistants that
// connect to a URL instead of starting a process. Every request must carry
// `Authorization: Bearer <mcp.httpToken>`; anything else is answered 401 before the MCP layer
// sees it, so no tool runs. Each client session (initialize -> mcp-session-id) gets its own
// McpServer over the one mirror; DELETE or shutdown closes it.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer, type McpDeps } from './server.ts';

/** The shortest bearer secret accepted: guessing one must be out of reach. */
export const MIN_HTTP_TOKEN_LENGTH = 32;
/** The path clients post to. */
export const MCP_HTTP_PATH = '/mcp';
const HOST = '127.0.0.1';

export interface McpHttpOptions {
  /** The bearer secret (config `mcp.httpToken`, env GHL_ETL_MCP_TOKEN). */
  token: string;
  /** 0 picks a free port. */
  port: number;
  /** Told about refused requests and session changes (never the secret). */
  onEvent?: (event: { kind: 'refused' | 'session-opened' | 'session-closed'; detail: string }) => void;
}

export interface McpHttpServer {
  url: string;
  port: number;
  /** Stops listening and closes every session. */
  close(): Promise<void>;
}

/** A bad bearer secret: the message names the key and the fix. */
export class McpHttpTokenError extends Error {
  override name = 'McpHttpTokenError';
}

export function checkHttpToken(token: string | undefined): string {
  if (token === undefined || token === '') {
    throw new McpHttpTokenError(`mcp --http needs a bearer secret: set GHL_ETL_MCP_TOKEN (or "mcp.httpToken" in the config file) to at least ${MIN_HTTP_TOKEN_LENGTH} random characters, e.g. openssl rand -hex 32`);
  }
  if (token.length < MIN_HTTP_TOKEN_LENGTH) {
    throw new McpHttpTokenError(`the mcp bearer secret (GHL_ETL_MCP_TOKEN / "mcp.httpToken") has ${token.length} characters; give at least ${MIN_HTTP_TOKEN_LENGTH}, e.g. openssl rand -hex 32`);
  }
  return token;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time: how much of the secret a caller guessed right does not show in the timing. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
}

interface Session {
  transport: StreamableHTTPServerTransport;
  close(): Promise<void>;
}

export async function startMcpHttp(deps: McpDeps, options: McpHttpOptions): Promise<McpHttpServer> {
  const expected = digest(checkHttpToken(options.token));
  const sessions = new Map<string, Session>();
  const tell = options.onEvent ?? (() => {});
  let port = options.port;

  /** A transport and its own server for a client that has not initialized yet. */
  async function openSession(): Promise<Session> {
    const mcp = createMcpServer(deps);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, session);
        tell({ kind: 'session-opened', detail: id });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
        tell({ kind: 'session-closed', detail: id });
      },
    });
    let closed = false;
    const session: Session = {
      transport,
      async close() {
        if (closed) return;
        closed = true;
        if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
        await mcp.server.close();
        await mcp.close();
      },
    };
    // Set before connect, which chains its own handler after this one.
    transport.onclose = () => void session.close();
    await mcp.server.connect(transport);
    return session;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A page in a browser could reach 127.0.0.1 through a DNS name it controls: only our own host names pass.
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) {
      tell({ kind: 'refused', detail: `Host ${host || '(none)'}` });
      return refuse(res, 403, `Host ${host || '(none)'} is not this server: connect to http://${HOST}:${port}${MCP_HTTP_PATH}`);
    }
    if (!bearerMatches(req.headers.authorization, expected)) {
      tell({ kind: 'refused', detail: req.headers.authorization === undefined ? 'no Authorization header' : 'wrong bearer secret' });
      return refuse(res, 401, 'send Authorization: Bearer <the secret in GHL_ETL_MCP_TOKEN / "mcp.httpToken">', { 'www-authenticate': 'Bearer realm="ghl-etl mcp"' });
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== MCP_HTTP_PATH) return refuse(res, 404, `no such path: MCP is served at ${MCP_HTTP_PATH}`);

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) return refuse(res, 404, 'unknown or closed session: initialize again');
      return session.transport.handleRequest(req, res);
    }
    // No session yet: only an initialize opens one; the transport answers anything else with 400.
    const session = await openSession();
    await session.transport.handleRequest(req, res);
    if (session.transport.sessionId === undefined) await session.close();
  }

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 500, err instanceof Error ? err.message : String(err));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, HOST, () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}${MCP_HTTP_PATH}`,
    port,
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.close()));
      // SSE streams stay open until closed: end them so the listener can stop.
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
