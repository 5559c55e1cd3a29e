// Serving a simulator on loopback, shared by the HighLevel and LeadCars sandboxes: listen, the URL
// to reach it, timers that a stop cancels, and a stop that does not wait for keep-alive
// connections (tests stop sandboxes while clients still hold sockets).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { log } from '../log.ts';
import { sendJson } from './http.ts';

export interface Listening {
  url: string;
  /** Sleeps that `close` cancels (slow answers, latency). */
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function listenLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, port: number, host: string,
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log().error({ err }, 'sandbox request failed');
      if (!res.headersSent) sendJson(res, 500, { statusCode: 500, message: 'Internal server error' });
      else res.destroy();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const timers = new Set<NodeJS.Timeout>();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${address.port}`,
    sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => {
      const timer = setTimeout(() => { timers.delete(timer); resolve(); }, ms);
      timers.add(timer);
    })),
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
