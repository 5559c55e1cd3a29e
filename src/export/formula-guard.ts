// CSV formula injection: Excel, LibreOffice and Google Sheets run a cell that starts with =, +,
// -, @ (and, through their import trimming, tab or carriage return) as a formula, so a contact
// named `=HYPERLINK(...)` could act when an analyst opens the file. Such a cell gets a leading
// apostrophe, which spreadsheets show as text. Plain numbers (`-12.5`) and phone numbers
// (`+34 600 123 456`) are left alone: they cannot call anything, and mangling every phone would
// break the sales team's dialers.

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// A leading +, then digits with the separators people write in phone numbers.
const PHONE = /^\+\d[\d ().-]*\d$/;

/** True when a spreadsheet would treat the cell as a formula. */
function triggersFormula(first: number): boolean {
  // = + - @ tab CR
  return first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13;
}

/** The cell as written to the CSV: `'` prepended when it would start a formula. */
export function guardCell(value: string): string {
  if (value.length === 0 || !triggersFormula(value.charCodeAt(0))) return value;
  if (NUMBER.test(value) || PHONE.test(value)) return value;
  return `'${value}`;
}
