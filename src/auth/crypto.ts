// Token encryption at rest: AES-256-GCM, a fresh 12-byte IV per value.
//
// The key comes from GHL_ETL_SECRET (scrypt, with a random salt carried in each stored value so
// the database needs no extra table), or else from a random 32-byte key file `<db>.key` beside
// the database (mode 0600). Each stored value also carries a short key check (an HMAC of a
// constant under the key) so a wrong secret or key file is told apart from a tampered value.
//
// Stored format (one ASCII string, fields separated by '.'):
//   v1.<kdf: s=scrypt secret | f=key file>.<salt | ->.<key check>.<iv>.<auth tag>.<ciphertext>
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config/errors.ts';

/** A stored token could not be decrypted: the message names the fix. */
export class TokenDecryptError extends Error {
  override name = 'TokenDecryptError';
  constructor(
    message: string,
    readonly reason: 'tampered' | 'wrong-key' | 'malformed',
  ) {
    super(message);
  }
}

export interface TokenCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  /** Where the key comes from, for `auth status` and messages: never the key itself. */
  readonly keySource: string;
}

const VERSION = 'v1';
const MIN_SECRET_LENGTH = 32;
// N=2^14, r=8: ~16 MiB and a few hundred ms on a small machine, derived once per salt per process;
// the secret is a 32+ character passphrase, not a short password.
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const RELOGIN = 'run `ghl-etl auth login` again to store fresh tokens';

const b64 = (buf: Buffer) => buf.toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url');

function keyCheck(key: Buffer): string {
  return b64(createHmac('sha256', key).update('ghl-etl token key check').digest().subarray(0, 8));
}

function seal(key: Buffer, plain: string): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ct };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, ct: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenDecryptError(`a stored token failed its integrity check (the database was altered or corrupted): ${RELOGIN}`, 'tampered');
  }
}

interface Envelope { kdf: 's' | 'f'; salt?: Buffer; check: string; iv: Buffer; tag: Buffer; ct: Buffer }

function parseEnvelope(stored: string): Envelope {
  const parts = stored.split('.');
  const [version, kdf, salt, check, iv, tag, ct] = parts;
  if (parts.length !== 7 || version !== VERSION || (kdf !== 's' && kdf !== 'f') || !salt || !check || !iv || !tag || ct === undefined) {
    throw new TokenDecryptError(`a stored token is not in a format this version understands: ${RELOGIN}`, 'malformed');
  }
  const ivBuf = unb64(iv);
  const tagBuf = unb64(tag);
  if (ivBuf.length !== 12 || tagBuf.length !== 16) {
    throw new TokenDecryptError(`a stored token is not in a format this version understands: ${RELOGIN}`, 'malformed');
  }
  return { kdf, ...(salt !== '-' ? { salt: unb64(salt) } : {}), check, iv: ivBuf, tag: tagBuf, ct: unb64(ct) };
}

function checksMatch(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Cipher keyed by a passphrase (GHL_ETL_SECRET). */
export function secretCipher(secret: string): TokenCipher {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`GHL_ETL_SECRET ("secret" in the config file) must be at least ${MIN_SECRET_LENGTH} characters: set a longer passphrase`);
  }
  const keys = new Map<string, Buffer>();
  const keyFor = (salt: Buffer) => {
    const id = b64(salt);
    let key = keys.get(id);
    if (!key) {
      key = scryptSync(secret, salt, 32, SCRYPT);
      keys.set(id, key);
    }
    return key;
  };
  // One salt per process for new values; older values keep theirs (the key cache covers both).
  let writeSalt: Buffer | undefined;
  return {
    keySource: 'GHL_ETL_SECRET',
    encrypt(plain) {
      writeSalt ??= randomBytes(16);
      const key = keyFor(writeSalt);
      const { iv, tag, ct } = seal(key, plain);
      return [VERSION, 's', b64(writeSalt), keyCheck(key), b64(iv), b64(tag), b64(ct)].join('.');
    },
    decrypt(stored) {
      const env = parseEnvelope(stored);
      if (env.kdf !== 's' || !env.salt) {
        throw new TokenDecryptError(
          `stored tokens were encrypted with the key file beside the database, not GHL_ETL_SECRET: unset GHL_ETL_SECRET, or ${RELOGIN}`,
          'wrong-key',
        );
      }
      const key = keyFor(env.salt);
      if (!checksMatch(keyCheck(key), env.check)) {
        throw new TokenDecryptError(
          `stored tokens were encrypted with a different GHL_ETL_SECRET: set the secret used at login, or ${RELOGIN}`,
          'wrong-key',
        );
      }
      return open(key, env.iv, env.tag, env.ct);
    },
  };
}

/** Cipher keyed by a 32-byte key (the key file). */
export function keyFileCipher(key: Buffer, keyPath: string): TokenCipher {
  if (key.length !== 32) throw new Error(`key file ${keyPath} does not hold a 32-byte key: delete it and ${RELOGIN}`);
  const check = keyCheck(key);
  return {
    keySource: `key file ${keyPath}`,
    encrypt(plain) {
      const { iv, tag, ct } = seal(key, plain);
      return [VERSION, 'f', '-', check, b64(iv), b64(tag), b64(ct)].join('.');
    },
    decrypt(stored) {
      const env = parseEnvelope(stored);
      if (env.kdf !== 'f') {
        throw new TokenDecryptError(`stored tokens were encrypted with GHL_ETL_SECRET, which is not set: set it, or ${RELOGIN}`, 'wrong-key');
      }
      if (!checksMatch(check, env.check)) {
        throw new TokenDecryptError(
          `stored tokens were encrypted with a different key file than ${keyPath}: restore that file, or ${RELOGIN}`,
          'wrong-key',
        );
      }
      return open(key, env.iv, env.tag, env.ct);
    },
  };
}

/**
 * Reads `<db>.key`, or creates it (32 random bytes, mode 0600). Creation is atomic across
 * processes: the key is written to a private temp file and hard-linked into place, so two
 * processes starting at once end up with the same key.
 */
export function loadOrCreateKeyFile(keyPath: string): Buffer {
  if (!existsSync(keyPath)) {
    mkdirSync(dirname(keyPath), { recursive: true });
    const tmp = `${keyPath}.${process.pid}.${b64(randomBytes(6))}.tmp`;
    writeFileSync(tmp, randomBytes(32), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, keyPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  const mode = statSync(keyPath).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(`key file ${keyPath} is readable by other users (mode ${mode.toString(8)}): run \`chmod 600 ${keyPath}\``);
  }
  return readFileSync(keyPath);
}

/** The cipher for a database: GHL_ETL_SECRET when configured, else the key file beside it. */
export function cipherForDb(opts: { dbPath: string; secret?: string | undefined }): TokenCipher {
  if (opts.secret) return secretCipher(opts.secret);
  const keyPath = `${opts.dbPath}.key`;
  return keyFileCipher(loadOrCreateKeyFile(keyPath), keyPath);
}

/**
 * The cipher for a mirror on either engine. SQLite: as cipherForDb. PostgreSQL: GHL_ETL_SECRET
 * only, since a key file is one machine's and the database is shared by several (every process
 * that refreshes a token must decrypt it): without the secret, a ConfigError (exit 2) naming it.
 */
export function cipherForMirror(mirror: { engine: 'sqlite' | 'postgres'; shown: string }, secret: string | undefined): TokenCipher {
  if (mirror.engine === 'sqlite') return cipherForDb({ dbPath: mirror.shown, secret });
  return secretCipher(checkTokenSecret(mirror.engine, secret)!);
}

/** Throws the ConfigError of cipherForMirror when the engine needs GHL_ETL_SECRET and it is not set (before a login starts). */
export function checkTokenSecret(engine: 'sqlite' | 'postgres', secret: string | undefined): string | undefined {
  if (engine === 'postgres' && !secret) {
    throw new ConfigError('the OAuth tokens in a PostgreSQL database are encrypted with GHL_ETL_SECRET ("secret"), which is not set: ' +
      'set it to a passphrase of 32+ characters, the same on every machine that uses this database (`openssl rand -hex 32`)');
  }
  return secret;
}
