/**
 * An export asked for something that cannot be (an unknown column, a bad date, a segment that
 * does not exist): the caller's fault, exit 2. The message names what was wrong and the fix.
 */
export class ExportUsageError extends Error {
  override name = 'ExportUsageError';
}
