// Writing a file so that no reader ever sees half of it: the bytes go to a temporary file in the
// same folder (same filesystem, so the rename is atomic), are flushed to disk when the stream
// closes, and only then is it renamed over the target. On any failure the temporary file is
// removed and a previous file at the target is left as it was.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary name used beside `target` (dot-prefixed, so globs like *.csv skip it). */
export function temporaryPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function closed(stream: WriteStream): Promise<void> {
  if (!stream.closed) await once(stream, 'close').catch(() => undefined);
}

/**
 * Calls `write` with a stream into a temporary file and, once it resolves, moves the file to
 * `target` (creating the folder when missing). `write` must end the stream (a pipeline does).
 */
export async function writeFileAtomically<T>(target: string, write: (sink: WriteStream) => Promise<T>): Promise<T> {
  mkdirSync(dirname(target), { recursive: true });
  const temp = temporaryPathFor(target);
  // flush: fsync before close, so the rename never publishes a file whose bytes are not on disk.
  const sink = createWriteStream(temp, { flags: 'wx', flush: true });
  try {
    const result = await write(sink);
    if (!sink.writableEnded) sink.end();
    await closed(sink);
    if (sink.errored) throw sink.errored;
    renameSync(temp, target);
    return result;
  } catch (err) {
    // Wait for the stream to let go of its descriptor before removing the file.
    sink.destroy();
    await closed(sink);
    rmSync(temp, { force: true });
    throw err;
  }
}
