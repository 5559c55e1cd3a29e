// The logger a test hands down where the face would hand down its own: silent, so test output
// stays readable (a test that checks log lines makes its own with createLogger).
import { createLogger } from '../../src/log.ts';

export const quietLogger = createLogger('silent');
