// Notes: per contact only; there is no bulk endpoint (one call per contact, NOTES.md).
import type * as Api from '../highlevel-api/api-types.ts';
import { listOf, NOTE_NEEDS, oneOf } from './answers.ts';
import type { Transport } from './transport.ts';

const enc = encodeURIComponent;
const notePath = (contactId: string, noteId: string) => `/contacts/${enc(contactId)}/notes/${enc(noteId)}`;

export function notesApi(t: Transport) {
  async function listContactNotes(locationId: string, contactId: string): Promise<Api.Note[]> {
    const res = await t.request<Api.NoteListResponse>({ name: 'listContactNotes', method: 'GET', path: `/contacts/${enc(contactId)}/notes`, locationId, needs: listOf('notes', NOTE_NEEDS) });
    return res.notes;
  }

  async function getNote(locationId: string, contactId: string, noteId: string): Promise<Api.Note> {
    const res = await t.request<Api.NoteResponse>({ name: 'getNote', method: 'GET', path: notePath(contactId, noteId), locationId, needs: oneOf('note', NOTE_NEEDS) });
    return res.note;
  }

  /** Not idempotent: an unknown outcome throws a GhlError of kind 'outcome-unknown' instead of repeating. */
  async function createNote(locationId: string, contactId: string, body: Api.CreateNoteBody): Promise<Api.Note> {
    const res = await t.request<Api.NoteResponse>({
      name: 'createNote', method: 'POST', path: `/contacts/${enc(contactId)}/notes`, locationId, body, idempotent: false, needs: oneOf('note', NOTE_NEEDS),
    });
    return res.note;
  }

  async function updateNote(locationId: string, contactId: string, noteId: string, body: Api.UpdateNoteBody): Promise<Api.Note> {
    const res = await t.request<Api.NoteResponse>({ name: 'updateNote', method: 'PUT', path: notePath(contactId, noteId), locationId, body, needs: oneOf('note', NOTE_NEEDS) });
    return res.note;
  }

  async function deleteNote(locationId: string, contactId: string, noteId: string): Promise<void> {
    await t.request({ name: 'deleteNote', method: 'DELETE', path: notePath(contactId, noteId), locationId });
  }

  return { listContactNotes, getNote, createNote, updateNote, deleteNote };
}

export type NotesApi = ReturnType<typeof notesApi>;
