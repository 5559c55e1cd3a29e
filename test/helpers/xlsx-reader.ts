// A second xlsx reader for tests, independent of the writer (exceljs): unzips with node:zlib and
// reads the workbook, styles and sheet XML with plain string matching, reporting each cell's
// type as stored (inline or shared string, number, formula...) so tests can see what a
// spreadsheet will see. Enough of OOXML for the files ghl-etl writes, no more.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** The zip's entries by name (stored or deflated, as OOXML packages are). */
export function unzip(file: Buffer): Map<string, Buffer> {
  // End of central directory: the last "PK\x05\x06".
  let eocd = file.length - 22;
  while (eocd >= 0 && file.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const count = file.readUInt16LE(eocd + 10);
  let at = file.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (file.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory');
    const method = file.readUInt16LE(at + 10);
    const compressed = file.readUInt32LE(at + 20);
    const nameLength = file.readUInt16LE(at + 28);
    const extra = file.readUInt16LE(at + 30);
    const comment = file.readUInt16LE(at + 32);
    const local = file.readUInt32LE(at + 42);
    const name = file.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
    const data = file.subarray(dataAt, dataAt + compressed);
    entries.set(name.replace(/^\//, ''), method === 0 ? Buffer.from(data) : inflateRawSync(data));
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

/** XML character data as text: entities, then OOXML's _xHHHH_ escapes (ECMA-376 ST_Xstring). */
export function xmlText(raw: string): string {
  const unescaped = raw.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === 'apos' ? "'"
      : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)));
  // XML reads CR LF and lone CR as LF.
  return unescaped.replace(/\r\n?/g, '\n').replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const attr = (attrs: string, name: string): string | undefined => new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(attrs)?.[1];

export interface XlsxCell {
  ref: string;
  /** The `t` attribute: inlineStr, s (shared), str (formula string), n (default), b, e. */
  type: string;
  /** Text of a string cell; the number of a numeric cell. */
  value: string | number;
  /** A formula, if the cell holds one. */
  formula?: string;
  /** The number format code of the cell's style ('General' when none). */
  numFmt: string;
  bold: boolean;
}

export interface XlsxSheetRead {
  name: string;
  /** Rows of cells keyed by column letters; rows[0] is row 1. */
  rows: Array<Map<string, XlsxCell>>;
  frozenRows: number;
  autoFilter?: string;
  widths: number[];
}

const BUILTIN_FORMATS: Record<number, string> = { 0: 'General', 14: 'mm-dd-yy', 22: 'm/d/yy h:mm', 49: '@' };

function readStyles(xml: string | undefined): Array<{ numFmt: string; bold: boolean }> {
  if (!xml) return [];
  const formats = new Map<number, string>();
  for (const m of xml.matchAll(/<numFmt\b([^>]*)\/>/g)) formats.set(Number(attr(m[1]!, 'numFmtId')), xmlText(attr(m[1]!, 'formatCode') ?? ''));
  const fonts = [...(/<fonts\b[^>]*>(.*?)<\/fonts>/s.exec(xml)?.[1] ?? '').matchAll(/<font\b[^>]*?(?:\/>|>(.*?)<\/font>)/gs)].map((m) => /<b\s*\/>|<b\s+val="(1|true)"/.test(m[1] ?? ''));
  const xfs = /<cellXfs\b[^>]*>(.*?)<\/cellXfs>/s.exec(xml)?.[1] ?? '';
  return [...xfs.matchAll(/<xf\b([^>]*?)(?:\/>|>.*?<\/xf>)/gs)].map((m) => {
    const id = Number(attr(m[1]!, 'numFmtId') ?? 0);
    return { numFmt: formats.get(id) ?? BUILTIN_FORMATS[id] ?? `builtin:${id}`, bold: fonts[Number(attr(m[1]!, 'fontId') ?? 0)] ?? false };
  });
}

function readSheet(name: string, xml: string, styles: ReturnType<typeof readStyles>, shared: string[]): XlsxSheetRead {
  const rows: XlsxSheetRead['rows'] = [];
  for (const row of xml.matchAll(/<row\b([^>]*?)(?:\/>|>(.*?)<\/row>)/gs)) {
    const r = Number(attr(row[1]!, 'r'));
    const cells = new Map<string, XlsxCell>();
    for (const c of (row[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const ref = attr(c[1]!, 'r')!;
      const type = attr(c[1]!, 't') ?? 'n';
      const body = c[2] ?? '';
      const style = styles[Number(attr(c[1]!, 's') ?? 0)] ?? { numFmt: 'General', bold: false };
      const v = /<v>(.*?)<\/v>/s.exec(body)?.[1];
      const f = /<f\b[^>]*>(.*?)<\/f>|<f\b[^>]*\/>/s.exec(body);
      let value: string | number;
      if (type === 'inlineStr') value = [...body.matchAll(/<t\b[^>]*?(?:\/>|>(.*?)<\/t>)/gs)].map((t) => xmlText(t[1] ?? '')).join('');
      else if (type === 's') value = shared[Number(v)]!;
      else if (type === 'n') value = v === undefined ? '' : Number(v);
      else value = xmlText(v ?? '');
      cells.set(ref.replace(/\d+$/, ''), { ref, type, value, ...(f ? { formula: xmlText(f[1] ?? '') } : {}), numFmt: style.numFmt, bold: style.bold });
    }
    rows[r - 1] = cells;
  }
  const pane = /<pane\b([^>]*)\/>/.exec(xml)?.[1] ?? '';
  const filter = /<autoFilter\b([^>]*)\/?>/.exec(xml)?.[1];
  // <col min max width>: one element may cover a run of columns of the same width.
  const widths = [...xml.matchAll(/<col\b([^>]*)\/>/g)].flatMap((m) => {
    const [min, max] = [Number(attr(m[1]!, 'min')), Number(attr(m[1]!, 'max'))];
    return Array.from({ length: max - min + 1 }, () => Number(attr(m[1]!, 'width')));
  });
  return {
    name, rows: Array.from(rows, (r) => r ?? new Map()),
    frozenRows: attr(pane, 'state') === 'frozen' ? Number(attr(pane, 'ySplit') ?? 0) : 0,
    ...(filter !== undefined ? { autoFilter: attr(filter, 'ref') } : {}),
    widths,
  };
}

/** Every sheet of the workbook at `path`, in tab order. */
export function readXlsx(path: string): XlsxSheetRead[] {
  const zip = unzip(readFileSync(path));
  const text = (name: string) => zip.get(name)?.toString('utf8');
  const workbook = text('xl/workbook.xml');
  const rels = text('xl/_rels/workbook.xml.rels');
  if (!workbook || !rels) throw new Error('not an xlsx workbook: xl/workbook.xml or its rels missing');
  const targets = new Map([...rels.matchAll(/<Relationship\b([^>]*)\/>/g)].map((m) => [attr(m[1]!, 'Id')!, attr(m[1]!, 'Target')!]));
  const styles = readStyles(text('xl/styles.xml'));
  const sharedXml = text('xl/sharedStrings.xml') ?? '';
  const shared = [...sharedXml.matchAll(/<si>(.*?)<\/si>/gs)].map((m) => [...m[1]!.matchAll(/<t\b[^>]*?(?:\/>|>(.*?)<\/t>)/gs)].map((t) => xmlText(t[1] ?? '')).join(''));
  return [...workbook.matchAll(/<sheet\b([^>]*)\/>/g)].map((m) => {
    const target = targets.get(attr(m[1]!, 'r:id')!)!;
    const part = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    return readSheet(xmlText(attr(m[1]!, 'name')!), text(part)!, styles, shared);
  });
}

/** An Excel serial date (1900 system, after February 1900) as a Date, to the millisecond. */
export const serialToDate = (serial: number): Date => new Date(Math.round((serial - 25569) * 86_400_000));

/** Column letters of the 1-based column number. */
export function columnLetters(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}
