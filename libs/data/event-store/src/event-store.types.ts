export type ExpectedVersion = number | 'any' | 'no_stream';

export interface NewEvent {
  /** Supply one to make a retried append recognisable; generated otherwise. */
  eventId?: string;
  eventType: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface AppendRequest {
  aggregateId: string;
  aggregateType: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
  userId?: string | null;
}

export interface StoredEvent {
  eventId: string;
  globalPosition: string;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  eventVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  correlationId: string | null;
  causationId: string | null;
  userId: string | null;
  transactionId: string;
  createdAt: Date;
}

/** Where a reader of the whole store stands: the commit order is (transaction id, position). */
export interface ReadCursor {
  transactionId: string;
  position: string;
}

export const START_OF_STORE: ReadCursor = { transactionId: '0', position: '0' };

export type Reducer = (state: Record<string, unknown> | null, event: StoredEvent) => Record<string, unknown> | null;

export interface AggregateState {
  aggregateId: string;
  version: number;
  state: Record<string, unknown> | null;
  /** The snapshot version the state was built from, or null when built from the first event. */
  snapshotVersion: number | null;
}
