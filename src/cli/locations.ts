// The configured locations a command works on: all of them, or the one `--location` names.
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';

export function chooseLocations(config: LoadedConfig, only: string | undefined): LoadedConfig['locations'] {
  if (config.locations.length === 0) {
    throw new ConfigError(
      'no locations configured: set GHL_LOCATION_ID and GHL_TOKEN, or add "locations" (each with "id" and "token") to the config file ' +
        `(${config.configFile ?? 'ghl-etl.config.json'}; see ghl-etl.config.example.json)`,
    );
  }
  if (only === undefined) return config.locations;
  const found = config.locations.filter((l) => l.id === only);
  if (found.length === 0) {
    throw new ConfigError(`--location ${only} is not configured (configured: ${config.locations.map((l) => l.id).join(', ')}): add it to "locations" or set GHL_LOCATION_ID`);
  }
  return found;
}
