// The named HighLevel API types the rest of the code uses. Every one is derived from the
// generated files (src/highlevel-api/generated, `npm run gen:api`), which come from HighLevel's OpenAPI
// files plus src/highlevel-api/overlay.ts: to change a shape, change the overlay and regenerate,
// never write it here by hand.
import type { components as ContactsApi } from './generated/contacts.ts';
import type { components as LocationsApi } from './generated/locations.ts';
import type { components as OAuthApi } from './generated/oauth.ts';
import type { components as UsersApi } from './generated/users.ts';

type ContactsSchemas = ContactsApi['schemas'];
type LocationsSchemas = LocationsApi['schemas'];
type OAuthSchemas = OAuthApi['schemas'];
type UsersSchemas = UsersApi['schemas'];

// ---- contacts ----
/** A contact as the live API returns it; the raw JSON may carry more. */
export type Contact = ContactsSchemas['Contact'];
export type ContactCustomFieldValue = ContactsSchemas['LiveCustomFieldValue'];
/** A search result: a contact plus the `searchAfter` cursor of its position. */
export type ContactSearchHit = ContactsSchemas['ContactSearchHit'];
export type ContactSearchBody = ContactsSchemas['SearchBodyV2DTO'];
export type ContactSearchFilter = ContactsSchemas['ContactSearchFilter'];
export type ContactSearchResponse = ContactsSchemas['ContactSearchSuccessfulResponseDto'];
export type ContactsListResponse = ContactsSchemas['ContactsListSuccessfulResponseDto'];
export type ContactsListMeta = ContactsSchemas['ContactsMetaSchema'];
export type BusinessContactsResponse = ContactsSchemas['ContactsByBusinessSuccessfulResponseDto'];
export type GetContactResponse = ContactsSchemas['ContactsByIdSuccessfulResponseDto'];
export type CreateContactBody = ContactsSchemas['CreateContactDto'];
export type CreateContactResponse = ContactsSchemas['CreateContactsSuccessfulResponseDto'];
export type UpdateContactBody = ContactsSchemas['UpdateContactDto'];
export type UpdateContactResponse = ContactsSchemas['UpdateContactsSuccessfulResponseDto'];
export type UpsertContactBody = ContactsSchemas['UpsertContactDto'];
export type UpsertContactResponse = ContactsSchemas['UpsertContactsSuccessfulResponseDto'];
export type DeleteContactResponse = ContactsSchemas['DeleteContactsSuccessfulResponseDto'];
/** A custom field value as written: `{id | key, field_value}`. */
export type CustomFieldInput = ContactsSchemas['CustomFieldInput'];
export type TagsBody = ContactsSchemas['TagsDTO'];
export type TagsResponse = ContactsSchemas['CreateAddTagSuccessfulResponseDto'];
export type BulkTagsBody = ContactsSchemas['UpdateTagsDTO'];
export type BulkTagsResponse = ContactsSchemas['UpdateTagsResponseDTO'];
export type BulkTagsLine = BulkTagsResponse['responses'][number];
export type BulkBusinessBody = ContactsSchemas['ContactsBusinessUpdate'];
export type BulkBusinessResponse = ContactsSchemas['ContactsBulkUpateResponse'];
export type Appointment = ContactsSchemas['GetEventSchema'];
export type AppointmentsResponse = ContactsSchemas['GetEventsSuccessfulResponseDto'];

// ---- tasks ----
export type Task = ContactsSchemas['TaskSchema'];
export type TaskListResponse = ContactsSchemas['TasksListSuccessfulResponseDto'];
export type TaskResponse = ContactsSchemas['TaskByIsSuccessfulResponseDto'];
export type CreateTaskBody = ContactsSchemas['CreateTaskParams'];
export type UpdateTaskBody = ContactsSchemas['UpdateTaskBody'];
export type CompleteTaskBody = ContactsSchemas['UpdateTaskStatusParams'];
export type DeleteTaskResponse = ContactsSchemas['DeleteTaskSuccessfulResponseDto'];
export type TaskSearchBody = LocationsSchemas['TaskSearchParamsDto'];
export type TaskSearchResponse = LocationsSchemas['LocationTaskListSuccessfulResponseDto'];
export type LocationTask = LocationsSchemas['TaskSchema'];

// ---- notes ----
export type Note = ContactsSchemas['GetNoteSchema'];
export type NoteListResponse = ContactsSchemas['GetNotesListSuccessfulResponseDto'];
export type NoteResponse = ContactsSchemas['GetCreateUpdateNoteSuccessfulResponseDto'];
export type CreateNoteBody = ContactsSchemas['NotesDTO'];
export type UpdateNoteBody = ContactsSchemas['UpdateNoteDTO'];
export type DeleteNoteResponse = ContactsSchemas['DeleteNoteSuccessfulResponseDto'];

// ---- custom field definitions (GET /locations/{locationId}/customFields) ----
export type CustomFieldDefinition = LocationsSchemas['CustomFieldSchema'];
/** Alias kept for callers that say "custom field" for the definition. */
export type CustomField = CustomFieldDefinition;
export type CustomFieldListResponse = LocationsSchemas['CustomFieldsListSuccessfulResponseDto'];

// ---- the location itself (GET /locations/{locationId}) ----
export type Location = LocationsSchemas['GetLocationByIdSchema'];
export type GetLocationResponse = LocationsSchemas['GetLocationByIdSuccessfulResponseDto'];

// ---- users (GET /users/?locationId=) ----
export type User = UsersSchemas['UserSchema'];
export type LocationUsersResponse = UsersSchemas['LocationSuccessfulResponseDto'];

// ---- OAuth ----
export type TokenRequestBody = OAuthSchemas['GetAccessCodebodyDto'];
export type TokenResponse = OAuthSchemas['GetAccessCodeSuccessfulResponseDto'];
export type LocationTokenRequestBody = OAuthSchemas['GetLocationAccessCodeBodyDto'];
export type LocationTokenResponse = OAuthSchemas['GetLocationAccessTokenSuccessfulResponseDto'];
export type InstalledLocation = OAuthSchemas['InstalledLocationSchema'];
export type InstalledLocationsResponse = OAuthSchemas['GetInstalledLocationsSuccessfulResponseDto'];

// ---- errors (the same in every app; taken from contacts) ----
export type BadRequestBody = ContactsSchemas['BadRequestDTO'];
export type UnauthorizedBody = ContactsSchemas['UnauthorizedDTO'];
export type ForbiddenBody = ContactsSchemas['ForbiddenDTO'];
export type NotFoundBody = ContactsSchemas['NotFoundDTO'];
export type UnprocessableBody = ContactsSchemas['UnprocessableDTO'];
export type TooManyRequestsBody = ContactsSchemas['TooManyRequestsDTO'];
