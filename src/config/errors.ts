/** Bad configuration: the message names the key and the fix. Exit code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
