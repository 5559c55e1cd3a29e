// Verifying HighLevel webhooks (../shared/ghl-api/NOTES.md "Webhooks",
// docs/oauth/WebhookAuthentication.md): `x-ghl-signature` is Ed25519 over the raw body (base64);
// the legacy `x-wh-signature` is RSA-SHA256 with HighLevel's published RSA key, counted only when
// the config enables it. One that verifies authenticates the body; none, or none that verifies,
// does not.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/errors.ts';

/** HighLevel's published Ed25519 webhook key: base64 of its SPKI DER (NOTES.md). */
export const HIGHLEVEL_WEBHOOK_ED25519_KEY = 'MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=';

/** HighLevel's published RSA key of the legacy `x-wh-signature` (WebhookAuthentication.md). */
export const HIGHLEVEL_WEBHOOK_RSA_KEY = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----`;

export interface WebhookKeys {
  ed25519: KeyObject;
  /** The legacy RSA key; absent unless enabled (and never beside a configured Ed25519 key). */
  rsa?: KeyObject;
}

function parseKey(text: string): KeyObject {
  const trimmed = text.trim();
  return trimmed.includes('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
}

/**
 * The keys webhooks are checked with: `webhookPublicKey` (config / GHL_WEBHOOK_PUBLIC_KEY; base64
 * SPKI DER or PEM; default HighLevel's) and, only with `legacy` (config
 * `webhookLegacySignature`) and no key of one's own, the legacy RSA key: HighLevel signs every
 * tenant's webhooks with that one key, so it proves only that HighLevel sent the body, for any
 * app. Throws ConfigError on a key that is not an Ed25519 public key.
 */
export function webhookKeys(webhookPublicKey?: string, legacyRsaKey: string = HIGHLEVEL_WEBHOOK_RSA_KEY, legacy = false): WebhookKeys {
  let ed25519: KeyObject | undefined;
  try {
    ed25519 = parseKey(webhookPublicKey ?? HIGHLEVEL_WEBHOOK_ED25519_KEY);
  } catch {
    ed25519 = undefined;
  }
  if (ed25519?.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(
      '"webhookPublicKey" (GHL_WEBHOOK_PUBLIC_KEY) is not an Ed25519 public key: give the base64 of its SPKI DER ' +
        '(as `ghl-etl sandbox --json` prints it) or a PEM, or unset it to use HighLevel\'s',
    );
  }
  return legacy && webhookPublicKey === undefined ? { ed25519, rsa: parseKey(legacyRsaKey) } : { ed25519 };
}

function signatureBytes(header: string | string[] | undefined): Buffer | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  return Buffer.from(header.trim(), 'base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Whether the headers carry a signature of the right form for one of the keys (checked before
 * the body is read): an Ed25519 `x-ghl-signature` of 64 bytes, or the legacy `x-wh-signature`.
 */
export function hasWebhookSignatureHeader(headers: Record<string, string | string[] | undefined>, keys: WebhookKeys): boolean {
  const ed = headers['x-ghl-signature'];
  if (typeof ed === 'string' && BASE64.test(ed.trim()) && Buffer.from(ed.trim(), 'base64').length === 64) return true;
  const rsa = headers['x-wh-signature'];
  return keys.rsa !== undefined && typeof rsa === 'string' && BASE64.test(rsa.trim());
}

/** Whether one of the body's signature headers verifies with its key. */
export function verifyWebhookSignature(
  body: Buffer, headers: Record<string, string | string[] | undefined>, keys: WebhookKeys,
): boolean {
  const ed = signatureBytes(headers['x-ghl-signature']);
  if (ed && ed.length === 64 && verify(null, body, keys.ed25519, ed)) return true;
  const rsa = keys.rsa && signatureBytes(headers['x-wh-signature']);
  if (rsa && keys.rsa) {
    try {
      if (verify('sha256', body, keys.rsa, rsa)) return true;
    } catch {
      // a malformed signature is a bad signature
    }
  }
  return false;
}
