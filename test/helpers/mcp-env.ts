// The environment of a `ghl-etl mcp` child in the MCP tests: the runner's environment minus the
// settings a developer's shell may carry (a config file, a log level, secrets, LeadCars), plus
// the test's own, as the SDK's stdio transport wants it: a plain record with no undefined values.

/** Keys a test unsets unless it gives them. */
export const CLEAN_MCP_ENV: Record<string, undefined> = {
  GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined,
  LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined, GHL_ETL_MCP_TOKEN: undefined,
};

/** process.env with `extra` over it, keys set to undefined dropped. */
export function mcpEnvOf(extra: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, ...CLEAN_MCP_ENV, ...extra };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}
