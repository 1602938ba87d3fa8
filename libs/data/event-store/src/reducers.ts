import type { Reducer } from './event-store.types';

/**
 * The default aggregate: a document whose events carry changed fields; an event type ending in
 * `Deleted` ends it. Migration entities (Opportunity, Proposal, ...) are such documents.
 */
export const documentReducer: Reducer = (state, event) =>
  /Deleted$/.test(event.eventType) ? null : { ...(state ?? {}), ...event.data };
