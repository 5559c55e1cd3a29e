// Comment texts from `bridge.templates`: {placeholder} replaced, unknown ones left as written.
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** A due date as people read it (YYYY-MM-DD HH:MM UTC), or "sin fecha". */
export function readableDate(iso: string | null): string {
  if (!iso) return 'sin fecha';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
