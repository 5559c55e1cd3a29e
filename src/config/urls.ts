// The URLs a token or secret is sent to (HighLevel, LeadCars, the OAuth pages): http(s) only,
// TLS for anything beyond this machine (plain http would send the bearer token in clear), and
// no user or password inside the URL (it would be printed by `config check` and logged with
// every request error).
import { z } from 'zod';

/** Loopback addresses and names: anything else is reachable from elsewhere. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** What is wrong with `text` as a service URL, or undefined. Never repeats the text (it may hold a password). */
export function serviceUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL such as https://host/path';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an http(s) URL, not ${url.protocol.replace(/:$/, '')}:`;
  if (url.username !== '' || url.password !== '') return 'must not carry a user or password (user:pass@host): give credentials in their own settings';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'must use https for a host other than this machine (plain http would send the token in clear)';
  }
  return undefined;
}

/** A service URL in the config schema (see serviceUrlProblem). */
export const serviceUrl = z.string().superRefine((text, ctx) => {
  const problem = serviceUrlProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
