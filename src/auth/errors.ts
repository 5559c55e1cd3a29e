// Why a location has no usable token. Messages name the fix and never carry a token.

/** The stored grant is gone or refused (spent refresh token, never logged in): log in again. */
export class AuthRequiredError extends Error {
  override name = 'AuthRequiredError';
  constructor(
    readonly locationId: string,
    message: string,
  ) {
    super(message);
  }
}

/** HighLevel says the sub-account is suspended; the stored grant stays and is tried next run. */
export class LocationInactiveError extends Error {
  override name = 'LocationInactiveError';
  constructor(
    readonly locationId: string,
    message: string,
  ) {
    super(message);
  }
}

export const loginHint = (locationId: string) => `run \`ghl-etl auth login\` to reconnect location ${locationId}`;
