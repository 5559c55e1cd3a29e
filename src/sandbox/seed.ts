// Deterministic seed data for the sandbox. Each location draws from its own PRNG stream
// (derived from the seed and the location's index), so adding locations never changes the
// data of the earlier ones, and the same seed always gives byte-identical objects.
//
// The history is anchored at a fixed instant (not "now"), because data relative to the wall
// clock would differ from one run to the next.

import { createRng, deriveSeed, type Rng } from './random.ts';
import {
  COMPANY_NAMES, CUSTOM_FIELD_TEMPLATES, EMAIL_DOMAINS, FIRST_NAMES_EN, FIRST_NAMES_ES,
  LAST_NAMES_EN, LAST_NAMES_ES, LOCATION_NAMES, NOTE_BODIES, PLACES_ABROAD, PLACES_ES, SOURCES,
  STREETS, TAGS, TASK_BODIES, TASK_TITLES, TEXT_VALUES, type Place,
} from './names.ts';
import type {
  CustomFieldValue, SandboxContact, SandboxCustomField, SandboxLocation, SandboxNote, SandboxTask,
  SeedOptions,
} from './types.ts';

/** Default end of the seeded history: 2026-11-01T00:00:00.000Z. */
export const DEFAULT_SEED_ANCHOR_MS = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;
const HISTORY_MS = 730 * DAY_MS;

export interface SeededLocation {
  location: SandboxLocation;
  customFields: SandboxCustomField[];
  /** User ids contacts and tasks are assigned to. */
  users: string[];
  contacts: SandboxContact[];
  /** dateAdded / dateUpdated of `contacts` as epoch ms (same positions), to spare parsing. */
  addedMs: number[];
  updatedMs: number[];
  tasks: SandboxTask[];
  notes: SandboxNote[];
}

export interface SeededSandbox {
  companyId: string;
  locations: SeededLocation[];
}

/** Flattens a concatenated string in place (V8 keeps `a + b` as a rope until something needs
 * the characters; ToNumber does). Seeded strings live as long as the sandbox, and a rope of
 * many small pieces costs several times the memory of the flat text. */
export function flat(text: string): string {
  void Number(text);
  return text;
}

const dayPrefixes = new Map<number, string>();

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `new Date(ms).toISOString()`, with the date part cached per day: seeding formats a few
 * hundred thousand timestamps and this was a visible share of the time. */
export function isoMs(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size > 10_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return flat(`${prefix}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(rest - seconds * 1000, 3)}Z`);
}

/** Accents and spaces folded away, as people type them into email addresses. */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
}

export function contactNameOf(firstName: string | null, lastName: string | null): string | null {
  const full = [firstName, lastName].filter((part): part is string => !!part && part.trim() !== '').join(' ');
  return full === '' ? null : full.toLowerCase();
}

function digits(rng: Rng, count: number): string {
  return String(rng.int(0, 10 ** count - 1)).padStart(count, '0');
}

export function randomPlace(rng: Rng): Place {
  return rng.chance(0.85) ? rng.pick(PLACES_ES) : rng.pick(PLACES_ABROAD);
}

export function randomPhone(rng: Rng, place: Place): string {
  return `${place.phonePrefix}${rng.pick(place.phoneStarts)}${digits(rng, place.phoneDigits)}`;
}

export interface RandomPerson {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  companyName: string | null;
  place: Place;
}

/** A person as a dealer's CRM sees them: some without email or phone or names. */
export function randomPerson(rng: Rng, serial: number): RandomPerson {
  const place = randomPlace(rng);
  const spanish = place.country === 'ES' || place.country === 'MX' ? rng.chance(0.95) : rng.chance(0.2);
  let firstName: string | null = rng.pick(spanish ? FIRST_NAMES_ES : FIRST_NAMES_EN);
  let lastName: string | null = spanish
    ? (rng.chance(0.6) ? `${rng.pick(LAST_NAMES_ES)} ${rng.pick(LAST_NAMES_ES)}` : rng.pick(LAST_NAMES_ES))
    : rng.pick(LAST_NAMES_EN);
  if (rng.chance(0.02)) firstName = null;
  if (rng.chance(0.03)) lastName = null;
  const nameForEmail = asciiSlug(`${firstName ?? 'info'} ${lastName ?? ''}`) || 'contacto';
  const email = rng.chance(0.85)
    ? `${nameForEmail}${rng.chance(0.5) ? serial : ''}@${rng.pick(EMAIL_DOMAINS)}`
    : null;
  const phone = rng.chance(0.8) ? randomPhone(rng, place) : null;
  const companyName = rng.chance(0.3) ? rng.pick(COMPANY_NAMES) : null;
  return { firstName, lastName, email, phone, companyName, place };
}

export function randomTags(rng: Rng): string[] {
  const count = rng.weighted([25, 25, 20, 12, 8, 6, 4]);
  const tags = new Set<string>();
  for (let i = 0; i < count; i++) tags.add(TAGS[rng.zipf(TAGS.length)]!.toLowerCase());
  return [...tags];
}

export function randomCustomValue(rng: Rng, field: SandboxCustomField): CustomFieldValue {
  switch (field.dataType) {
    case 'NUMERICAL':
      return rng.int(0, 250_000);
    case 'MONETORY':
      return rng.int(500_000, 6_000_000) / 100;
    case 'CHECKBOX':
    case 'MULTIPLE_OPTIONS': {
      const chosen = field.picklistOptions.filter(() => rng.chance(0.4));
      return chosen.length > 0 ? chosen : [rng.pick(field.picklistOptions)];
    }
    case 'SINGLE_OPTIONS':
    case 'RADIO':
      return rng.pick(field.picklistOptions);
    case 'DATE':
      return isoMs(DEFAULT_SEED_ANCHOR_MS + rng.int(-400, 200) * DAY_MS).slice(0, 10);
    case 'PHONE':
      return randomPhone(rng, PLACES_ES[0]!);
    case 'EMAIL':
      return `${asciiSlug(rng.pick(FIRST_NAMES_ES))}.trabajo@${rng.pick(EMAIL_DOMAINS)}`;
    case 'LARGE_TEXT':
      return rng.pick(NOTE_BODIES);
    case 'TEXT':
    case 'TEXTBOX_LIST':
      return rng.pick(TEXT_VALUES);
  }
}

function seedCustomFields(rng: Rng, locationId: string): SandboxCustomField[] {
  return CUSTOM_FIELD_TEMPLATES.map((template, position) => ({
    id: rng.id(),
    name: template.name,
    fieldKey: `contact.${template.key}`,
    placeholder: template.placeholder,
    dataType: template.dataType,
    position,
    picklistOptions: [...template.picklistOptions],
    locationId,
    model: 'contact' as const,
  }));
}

function randomTask(rng: Rng, contactId: string, users: string[], aroundMs: number): SandboxTask {
  return {
    id: rng.id(),
    contactId,
    title: rng.pick(TASK_TITLES),
    body: rng.chance(0.7) ? rng.pick(TASK_BODIES) : null,
    assignedTo: rng.chance(0.8) ? rng.pick(users) : null,
    dueDate: isoMs(aroundMs + rng.int(-30, 60) * DAY_MS + rng.int(0, 86_399) * 1000),
    completed: rng.chance(0.45),
  };
}

/** Fields a task body may carry in the sandbox's writes (and in mutate). */
export function randomTaskBody(rng: Rng, users: string[], aroundMs: number): Record<string, unknown> {
  const task = randomTask(rng, '', users, aroundMs);
  const body: Record<string, unknown> = { title: task.title, dueDate: task.dueDate, completed: task.completed };
  if (task.body !== null) body.body = task.body;
  if (task.assignedTo !== null) body.assignedTo = task.assignedTo;
  return body;
}

export function randomNoteBody(rng: Rng): string {
  const body = rng.pick(NOTE_BODIES);
  return rng.chance(0.2) ? `${body}\n${rng.pick(NOTE_BODIES)}` : body;
}

function seedLocation(seed: number, index: number, companyId: string, opts: SeedOptions, anchorMs: number): SeededLocation {
  const rng = createRng(deriveSeed(seed, 'location', index));
  const locationId = rng.id();
  const location: SandboxLocation = {
    id: locationId,
    name: LOCATION_NAMES[index % LOCATION_NAMES.length]! + (index >= LOCATION_NAMES.length ? ` ${index + 1}` : ''),
    companyId,
    token: `pit-${rng.uuid()}`,
    // Most accounts forbid duplicates; every fourth one allows them.
    allowDuplicateContact: index % 4 === 3,
  };
  const customFields = seedCustomFields(rng, locationId);
  const users = Array.from({ length: 5 }, () => rng.id());
  const businessCount = Math.max(3, Math.ceil(opts.contactsPerLocation / 40));
  const businesses = Array.from({ length: businessCount }, () => rng.id());

  const contacts: SandboxContact[] = [];
  const addedMsList: number[] = [];
  const updatedMsList: number[] = [];
  const tasks: SandboxTask[] = [];
  const notes: SandboxNote[] = [];
  const emails = new Set<string>();
  const phones = new Set<string>();
  let previousAddedMs = anchorMs - HISTORY_MS;

  for (let serial = 0; serial < opts.contactsPerLocation; serial++) {
    const person = randomPerson(rng, serial);
    // Imports add many contacts in the same millisecond: ties in dateAdded are real, and
    // keyset paging must break them by id.
    const addedMs = rng.chance(0.08) ? previousAddedMs : anchorMs - rng.int(0, HISTORY_MS);
    previousAddedMs = addedMs;
    const updatedMs = rng.chance(0.4) ? addedMs : addedMs + rng.int(0, anchorMs - addedMs);

    let email = person.email;
    let phone = person.phone;
    if (!location.allowDuplicateContact) {
      // The live account could never have held two contacts with one email or phone.
      if (email !== null && emails.has(email)) email = email.replace('@', `.${serial}@`);
      if (phone !== null && phones.has(phone)) phone = null;
    }
    if (email !== null) emails.add(email);
    if (phone !== null) phones.add(phone);

    const hasAddress = rng.chance(0.6);
    const place = person.place;
    const contact: SandboxContact = {
      id: rng.id(),
      locationId,
      firstName: person.firstName,
      lastName: person.lastName,
      contactName: contactNameOf(person.firstName, person.lastName),
      companyName: person.companyName,
      email,
      phone,
      additionalEmails: rng.chance(0.05) ? [`${asciiSlug(person.lastName ?? 'alt')}.alt${serial}@${rng.pick(EMAIL_DOMAINS)}`] : [],
      businessId: person.companyName !== null && rng.chance(0.5) ? businesses[rng.zipf(businesses.length, 1.3)]! : null,
      source: rng.chance(0.9) ? rng.pick(SOURCES) : null,
      type: rng.chance(0.7) ? 'lead' : 'customer',
      assignedTo: rng.chance(0.75) ? rng.pick(users) : null,
      dnd: rng.chance(0.05),
      address1: hasAddress
        ? flat(`${rng.pick(STREETS)} ${rng.int(1, 180)}${rng.chance(0.15) ? `\n${rng.int(1, 9)}º ${rng.pick(['A', 'B', 'C', 'Izda.'])}` : ''}`)
        : null,
      city: hasAddress ? place.city : null,
      state: hasAddress ? place.state : null,
      postalCode: hasAddress ? `${place.postalPrefix}${digits(rng, 5 - Math.min(place.postalPrefix.length, 4))}` : null,
      country: rng.chance(0.95) ? place.country : null,
      timezone: rng.chance(0.9) ? place.timezone : null,
      website: rng.chance(0.05) ? `https://www.${asciiSlug(person.companyName ?? person.lastName ?? 'web').replace(/\./g, '')}.es` : null,
      dateOfBirth: rng.chance(0.3) ? isoMs(Date.UTC(rng.int(1950, 2005), rng.int(0, 11), rng.int(1, 28))) : null,
      dateAdded: isoMs(addedMs),
      dateUpdated: isoMs(updatedMs),
      tags: randomTags(rng),
      customFields: [],
    };
    for (const field of customFields) {
      if (rng.chance(0.35)) contact.customFields.push({ id: field.id, value: randomCustomValue(rng, field) });
    }
    contacts.push(contact);
    addedMsList.push(addedMs);
    updatedMsList.push(updatedMs);

    // Most contacts have no tasks or notes; a few have many.
    const taskCount = rng.weighted([60, 20, 10, 5, 3, 2]);
    for (let i = 0; i < taskCount; i++) tasks.push(randomTask(rng, contact.id, users, updatedMs));
    const noteCount = rng.weighted([50, 25, 12, 6, 4, 3]);
    for (let i = 0; i < noteCount; i++) {
      notes.push({
        id: rng.id(),
        contactId: contact.id,
        body: randomNoteBody(rng),
        userId: rng.chance(0.8) ? rng.pick(users) : null,
        dateAdded: isoMs(addedMs + rng.int(0, anchorMs - addedMs)),
      });
    }
  }
  return { location, customFields, users, contacts, addedMs: addedMsList, updatedMs: updatedMsList, tasks, notes };
}

export function seedSandbox(opts: SeedOptions & { anchorMs?: number }): SeededSandbox {
  const anchorMs = opts.anchorMs ?? DEFAULT_SEED_ANCHOR_MS;
  const companyId = createRng(deriveSeed(opts.seed, 'company')).id();
  const locations: SeededLocation[] = [];
  for (let index = 0; index < opts.locations; index++) {
    locations.push(seedLocation(opts.seed, index, companyId, opts, anchorMs));
  }
  return { companyId, locations };
}
