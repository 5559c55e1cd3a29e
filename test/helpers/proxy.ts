// A tiny HTTP proxy in front of the sandbox, for what the sandbox itself will not do on cue:
// hand back an answer with a field missing or mistyped (a HighLevel regression), drop one
// connection before or after the request reached the sandbox, and count the client's TCP
// connections (keep-alive). Everything else passes through unchanged, so the sandbox still
// validates every request against the spec.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface ProxyOptions {
  /** Rewrites a JSON answer before it goes back (return the body to send). */
  rewrite?(req: ProxiedRequest, status: number, body: unknown): unknown;
  /**
   * 'before': close the connection without forwarding; 'after': forward (the sandbox applies
   * it), then close instead of answering; undefined: pass through.
   */
  drop?(req: ProxiedRequest): 'before' | 'after' | undefined;
  /** Answers in the sandbox's place without forwarding (e.g. an edge proxy's 503); undefined: forward. */
  answer?(req: ProxiedRequest): { status: number; body: unknown } | undefined;
  /**
   * Holds the sandbox's answer (the request has been applied and answered upstream) until the
   * promise settles: the client is left with what was true when it asked. undefined: no hold.
   */
  hold?(req: ProxiedRequest): Promise<void> | undefined;
}

export interface Proxy {
  url: string;
  /** Every request seen, in order. */
  requests: ProxiedRequest[];
  /** TCP connections the client opened. */
  connections(): number;
  stop(): Promise<void>;
}

export async function startProxy(target: string, opts: ProxyOptions = {}): Promise<Proxy> {
  const base = new URL(target);
  const requests: ProxiedRequest[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const seen: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    requests.push(seen);
    const drop = opts.drop?.(seen);
    if (drop === 'before') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const own = opts.answer?.(seen);
      if (own) {
        const text = JSON.stringify(own.body);
        res.writeHead(own.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const upstream = http.request(
        { hostname: base.hostname, port: base.port, path: seen.path, method: seen.method, headers: { ...req.headers, host: base.host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', async () => {
            await opts.hold?.(seen);
            if (drop === 'after') {
              req.socket.destroy();
              return;
            }
            let text = Buffer.concat(parts).toString('utf8');
            const status = answer.statusCode ?? 502;
            if (opts.rewrite && (answer.headers['content-type'] ?? '').includes('json') && text !== '') {
              text = JSON.stringify(opts.rewrite(seen, status, JSON.parse(text)));
            }
            const headers = { ...answer.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            delete headers.connection;
            delete headers['keep-alive'];
            res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
