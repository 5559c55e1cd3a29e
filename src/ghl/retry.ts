// The retry policy is shared by every HTTP client of the project: it lives in src/http/retry.ts.
export * from '../http/retry.ts';
