// What the `db` setting (GHL_ETL_DB, config "db") names: a SQLite file path, or a PostgreSQL
// database by its postgres:// or postgresql:// URL. Any other scheme:// is a mistake (a MySQL
// URL, a typo), refused rather than taken for a file path: "postgresql://..." used to become a
// folder named `postgresql:` with a SQLite file inside. A URL's password never leaves this
// file unmasked: printing, logging and error messages use maskDatabaseUrl().

export type DatabaseTarget =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; url: string };

const POSTGRES_SCHEMES = new Set(['postgres', 'postgresql']);
const ANY_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** A schema name (config `dbSchema`): a plain identifier, so no quoting surprises in search_path. */
export const SCHEMA_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The scheme of a `scheme://...` value, lower-cased; undefined for a file path. */
export function urlScheme(db: string): string | undefined {
  return ANY_SCHEME.exec(db)?.[1]?.toLowerCase();
}

/** Why `db` cannot be used, or undefined when it can. The message never holds a password. */
export function databaseProblem(db: string): string | undefined {
  const scheme = urlScheme(db);
  if (scheme === undefined) return undefined;
  if (!POSTGRES_SCHEMES.has(scheme)) {
    return `is a ${scheme}:// URL (${maskDatabaseUrl(db)}); give a SQLite file path or a postgres:// / postgresql:// URL`;
  }
  try {
    new URL(db);
  } catch {
    return `is not a valid PostgreSQL URL (${maskDatabaseUrl(db)}); write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE, percent-encoding special characters`;
  }
  return undefined;
}

/** Which engine `db` names (call after the configuration was validated). */
export function databaseTarget(db: string): DatabaseTarget {
  const scheme = urlScheme(db);
  return scheme !== undefined && POSTGRES_SCHEMES.has(scheme) ? { engine: 'postgres', url: db } : { engine: 'sqlite', path: db };
}

/**
 * `db` as it may be shown: a URL's password replaced by ****; a file path as it is. Works on
 * values that do not parse as URLs too (the part between "://" and the last "@" is masked).
 */
export function maskDatabaseUrl(db: string): string {
  if (urlScheme(db) === undefined) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '****';
    // Parameters may carry a password too (?password=...): mask them as well.
    for (const key of [...url.searchParams.keys()]) {
      if (/pass/i.test(key)) url.searchParams.set(key, '****');
    }
    return url.toString().replaceAll('%2A%2A%2A%2A', '****');
  } catch {
    return db.replace(/^([^:]+:\/\/[^:/@]*:).*@/, '$1****@');
  }
}
