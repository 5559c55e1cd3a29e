// The LeadCars bridge's public surface (issue 10): leads -> contacts, task and note changes ->
// LeadCars comments through a durable outbox, linked leads polled back onto their contacts.
export { bridgeLocationId, opsContext, type BridgeContext, type BridgeConfig } from './context.ts';
export { mapLead, type MappedLead } from './field-map.ts';
export { deliverInbox, MAX_DELIVERY_ATTEMPTS, type DeliverySummary } from './deliver.ts';
export { drainOutbox, type DrainSummary } from './outbox.ts';
export { queueChangeComments, changesOf, taskVersion, noteVersion, contactOfEvent } from './changes.ts';
export { pollLinkedLeads, type PollSummary } from './poll.ts';
export { linkLead, createKeyOf, type LinkResult } from './link.ts';
export { LEADCARS_CATALOG, type LeadcarsCatalogEntry } from './catalog.ts';
export { importLeads, readLeadFile, type ImportSummary } from './import.ts';
export { prepareSync, afterSync, startBridgeLoop, type AfterSyncSummary, type BridgeLoop } from './run.ts';
export { intakeLeadSchema, parseIntakeLead, leadDedupeKey, leadPayload, type IntakeLead, type LeadParse } from './lead.ts';
