// What the `auth` commands share: the configuration, the database and the encrypted token store.
import type { LoadedConfig } from '../../config/load.ts';
import { loadConfig } from '../../config/load.ts';
import { openDatabase, type Db } from '../../db/open.ts';
import { cipherForDb } from '../../auth/crypto.ts';
import { createTokenStore, type TokenStore } from '../../auth/token-store.ts';

export interface AuthContext {
  config: LoadedConfig;
  db: Db;
  store: TokenStore;
}

export function openAuthContext(configPath: string | undefined): AuthContext {
  const config = loadConfig({ configPath });
  const db = openDatabase(config.db);
  return { config, db, store: createTokenStore(db, cipherForDb({ dbPath: db.path, secret: config.secret })) };
}
