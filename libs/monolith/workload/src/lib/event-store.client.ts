import { randomUUID } from 'node:crypto';

/** One domain event for one stream, appended at any version (the application owns the order). */
export interface DomainEventAppend {
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  data: Record<string, unknown>;
}

export interface DomainEventSink {
  append(event: DomainEventAppend): Promise<void>;
}

/**
 * Appends through the event-store service's HTTP API (`POST /streams/:id/events`, docs/event-store.md)
 * with the bearer token of its state-changing endpoints and a fresh correlation id per request.
 * A refused append (4xx, 5xx) is an error naming the status and the service's message.
 */
export class EventStoreHttpClient implements DomainEventSink {
  constructor(
    private readonly baseUrl: string,
    private readonly apiToken: string,
    private readonly timeoutMs = 10_000,
  ) {
    if (apiToken.length === 0) throw new Error('EventStoreHttpClient: API_TOKEN is empty');
  }

  async append(event: DomainEventAppend): Promise<void> {
    const response = await fetch(`${this.baseUrl}/streams/${encodeURIComponent(event.aggregateId)}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiToken}`, 'content-type': 'application/json', 'x-correlation-id': randomUUID() },
      body: JSON.stringify({ aggregateType: event.aggregateType, expectedVersion: 'any', events: [{ eventType: event.eventType, data: event.data }] }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.status !== 201) {
      throw new Error(`event store refused the append of ${event.eventType} ${event.aggregateId}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
  }
}
