// LeadCars answers in Madrid time: PHP DateTime objects for lead dates
// ({date: "2022-01-20 17:00:59.000000", timezone_type: 3, timezone: "Europe/Madrid"}) and
// ISO-8601 with offset for actions ("2022-01-20T17:00:59+01:00"), manual p.5-7.

export interface PhpDate { date: string; timezone_type: 3; timezone: 'Europe/Madrid' }

const MADRID = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Madrid', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

function madridParts(ms: number): { local: string; offsetMinutes: number } {
  const p = Object.fromEntries(MADRID.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const local = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return { local, offsetMinutes: Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000) };
}

export function phpDate(ms: number): PhpDate {
  return { date: `${madridParts(ms).local}.000000`, timezone_type: 3, timezone: 'Europe/Madrid' };
}

export function isoMadrid(ms: number): string {
  const { local, offsetMinutes } = madridParts(ms);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.replace(' ', 'T')}${offset}`;
}
