// Tokens at rest: AES-256-GCM with a key file (0600) or GHL_ETL_SECRET; tampering and a wrong
// key are reported with the fix.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cipherForDb, TokenDecryptError } from '../src/auth/crypto.ts';
import { tempDir } from './auth-helpers.ts';

const SECRET = 'a-passphrase-of-at-least-32-characters!';
let cleanup: () => void = () => {};
afterEach(() => cleanup());

function dbPath() {
  const t = tempDir();
  cleanup = t.cleanup;
  return join(t.dir, 'ghl.sqlite');
}

/** Flips one character of the ciphertext field (the last one). */
function tamper(stored: string): string {
  const i = stored.length - 3;
  return stored.slice(0, i) + (stored[i] === 'A' ? 'B' : 'A') + stored.slice(i + 1);
}

describe('token cipher', () => {
  it('creates a private key file beside the database and round-trips values', () => {
    const path = dbPath();
    const cipher = cipherForDb({ dbPath: path });
    const stored = cipher.encrypt('secret-token-value');
    expect(stored).not.toContain('secret-token-value');
    expect(statSync(`${path}.key`).mode & 0o777).toBe(0o600);
    // A second process reads the same key file.
    expect(cipherForDb({ dbPath: path }).decrypt(stored)).toBe('secret-token-value');
  });

  it('uses a fresh IV per value', () => {
    const cipher = cipherForDb({ dbPath: dbPath() });
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
  });

  it('derives the key from GHL_ETL_SECRET, without a key file', () => {
    const path = dbPath();
    const stored = cipherForDb({ dbPath: path, secret: SECRET }).encrypt('tok');
    expect(() => statSync(`${path}.key`)).toThrow();
    expect(cipherForDb({ dbPath: path, secret: SECRET }).decrypt(stored)).toBe('tok');
  });

  it('detects a tampered ciphertext and names the fix', () => {
    const cipher = cipherForDb({ dbPath: dbPath() });
    const err = (() => {
      try {
        cipher.decrypt(tamper(cipher.encrypt('tok')));
      } catch (e) {
        return e as TokenDecryptError;
      }
    })();
    expect(err).toBeInstanceOf(TokenDecryptError);
    expect(err!.reason).toBe('tampered');
    expect(err!.message).toContain('ghl-etl auth login');
  });

  it('tells a wrong secret apart from tampering', () => {
    const path = dbPath();
    const stored = cipherForDb({ dbPath: path, secret: SECRET }).encrypt('tok');
    expect(() => cipherForDb({ dbPath: path, secret: `${SECRET}-other` }).decrypt(stored)).toThrow(/different GHL_ETL_SECRET/);
    expect(() => cipherForDb({ dbPath: path }).decrypt(stored)).toThrow(/GHL_ETL_SECRET, which is not set/);
  });

  it('refuses a short secret', () => {
    expect(() => cipherForDb({ dbPath: dbPath(), secret: 'short' })).toThrow(/at least 32 characters/);
  });
});
