// A real HTTP proxy on 127.0.0.1 in front of the sandbox that loses answers on cue: it forwards
// every request, and for the next one it is told about it lets the sandbox commit the write, then
// drops the client's connection instead of answering, as a network failure after sending would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LosingProxy {
  url: string;
  /** Answers thrown away so far. */
  lost: number;
  /** Lose the answer to the next request with this method and path (a trailing slash ignored). */
  next(method: string, path: string): void;
  close(): Promise<void>;
}

export interface LosingProxyOptions {
  /** A search index that has not caught up: the duplicate and contact searches answer empty. */
  lagLookups?: boolean;
}

const EMPTY_LOOKUPS: Record<string, unknown> = {
  '/contacts/search/duplicate': { contact: null },
  '/contacts/search': { contacts: [], total: 0 },
};

export async function losingProxy(upstream: string, opts: LosingProxyOptions = {}): Promise<LosingProxy> {
  const target = new URL(upstream);
  let cue: { method: string; path: string } | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = http.request({
        hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host },
      }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          const path = new URL(req.url ?? '/', 'http://proxy').pathname;
          const ok = (answer.statusCode ?? 0) >= 200 && (answer.statusCode ?? 0) < 300;
          if (cue && req.method === cue.method && (path === cue.path || path === `${cue.path}/`)) {
            cue = undefined;
            proxy.lost += 1;
            req.socket.destroy();
            return;
          }
          const empty = opts.lagLookups && ok ? EMPTY_LOOKUPS[path] : undefined;
          if (empty !== undefined) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(empty));
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
        });
      });
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: LosingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lost: 0,
    next(method, path) { cue = { method, path }; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return proxy;
}
