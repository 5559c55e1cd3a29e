// Sheet names for a workbook with one sheet per tag. Excel refuses a name that is empty, longer
// than 31 characters, holds : \ / ? * [ or ], starts or ends with an apostrophe, or is
// "History"; and two names equal but for case are the same sheet. Pure, so it is tested alone.

export const MAX_SHEET_NAME = 31;
const FORBIDDEN = /[:\\/?*[\]\x00-\x1F\x7F]/g;

/** Up to `max` characters, never splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  let out = '';
  for (const c of chars) {
    if (out.length + c.length > max) break;
    out += c;
  }
  return out;
}

/** A name Excel accepts for the text (not yet made distinct from others). */
export function safeSheetName(text: string): string {
  let name = text.replace(FORBIDDEN, '_').trim();
  name = cut(name, MAX_SHEET_NAME).replace(/^'+|'+$/g, '').trim();
  if (name === '') return 'tag';
  return name.toLowerCase() === 'history' ? `${name}_` : name;
}

/**
 * One sheet name per tag, all distinct ignoring case, in the order given: a name already taken
 * gets " (2)", " (3)"... within the 31 characters.
 */
export function sheetNames(tags: Iterable<string>): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const tag of tags) {
    if (names.has(tag)) continue;
    const base = safeSheetName(tag);
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) {
      const suffix = ` (${n})`;
      name = cut(base, MAX_SHEET_NAME - suffix.length).replace(/'+$/, '') + suffix;
    }
    taken.add(name.toLowerCase());
    names.set(tag, name);
  }
  return names;
}
