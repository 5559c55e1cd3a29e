// The one sanitiser of human-readable terminal output. Text from outside (contact names from
// HighLevel or a lead sender, notes, error messages that echo them) may carry control
// characters and escape sequences that a terminal would act on: clear the screen, retitle the
// window, rewrite what was printed. Every human line goes through here, so they are shown as
// visible escapes (`\x1b`, `\u202e`) and never interpreted. --json output is JSON.stringify's,
// which escapes C0 controls itself.

// C0 controls except tab and newline, DEL, C1 controls, and the Unicode format characters that
// reorder or hide text (bidi overrides and isolates, line/paragraph separators).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character or escape shown as `\xNN` / `\uNNNN`; tabs and newlines kept. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** `text` on one line: line breaks shown as ` ↵ `, tabs as spaces, the rest as terminalSafe. */
export function terminalLine(text: string): string {
  return terminalSafe(text.replace(/\t/g, ' ').split(/\r\n|\r|\n/).join(' ↵ '));
}

/** Writes human-readable text to stdout, made safe. */
export function writeOut(text: string): void {
  process.stdout.write(terminalSafe(text));
}

/** Writes human-readable text to stderr, made safe. */
export function writeErr(text: string): void {
  process.stderr.write(terminalSafe(text));
}
