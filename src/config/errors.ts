/** Bad configuration: the message names the key and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
