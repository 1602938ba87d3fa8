import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { EVENT_STORE_TOPIC, type MigratedEntity } from '@mch/contracts';
import { currentCorrelation, newCorrelationId } from '@mch/util-correlation';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { writeOutbox } from '@mch/data-outbox';
import { APPEND_SQL } from './append.sql';
import { appendBatch, appendValues, type AppendParams } from './batch-append';
import { GroupCommitter, DEFAULT_GROUP_COMMIT, type GroupCommitOptions } from './group-commit';
import { documentReducer } from './reducers';
import {
  entityEnvelope,
  entityOfAggregateType,
  entityTopic,
  projectEvents,
  type EntityProjectionOptions,
} from './entity-projection';
import {
  START_OF_STORE,
  type AggregateState,
  type AppendRequest,
  type ReadCursor,
  type Reducer,
  type StoredEvent,
} from './event-store.types';

export interface EventStoreOptions {
  /** A snapshot is written each time a stream's version crosses a multiple of this; 0 disables. */
  snapshotEvery: number;
  topicFor: (aggregateType: string) => string;
  reducers: Record<string, Reducer>;
  /** Aggregate types also relayed as entity states to the entity topics; none when null. */
  entityProjection: EntityProjectionOptions | null;
  /** Concurrent appends of this process share statements and commits; null writes each on its own. */
  groupCommit: GroupCommitOptions | null;
}

export const DEFAULT_EVENT_STORE_OPTIONS: EventStoreOptions = {
  snapshotEvery: 50,
  topicFor: () => EVENT_STORE_TOPIC.name,
  reducers: {},
  entityProjection: null,
  groupCommit: DEFAULT_GROUP_COMMIT,
};

interface EventRow {
  event_id: string;
  global_position: string;
  aggregate_id: string;
  aggregate_type: string;
  event_type: string;
  event_version: number;
  event_data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  correlation_id: string | null;
  causation_id: string | null;
  user_id: string | null;
  transaction_id: string;
  created_at: Date;
}

const EVENT_COLUMNS = `event_id, global_position, aggregate_id, aggregate_type, event_type, event_version, event_data,
  metadata, correlation_id, causation_id, user_id, transaction_id::text AS transaction_id, created_at`;

function toEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    globalPosition: row.global_position,
    aggregateId: row.aggregate_id,
    aggregateType: row.aggregate_type,
    eventType: row.event_type,
    eventVersion: row.event_version,
    data: row.event_data,
    metadata: row.metadata,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    userId: row.user_id,
    transactionId: row.transaction_id,
    createdAt: row.created_at,
  };
}

const UNIQUE_VIOLATION = '23505';
const MAX_VERSION = 2_147_483_647;

type AppendedRow = EventRow & { previous_version: number };
/** Class 22 (data exception) and 54001 (nested too deep): the store cannot hold a value the append carries. */
const isDataException = (code: unknown) => typeof code === 'string' && (code.startsWith('22') || code === '54001');

export class EventStore {
  private readonly options: EventStoreOptions;
  private readonly committer: GroupCommitter<AppendParams, AppendedRow[]>;

  constructor(
    private readonly pool: Pool,
    options: Partial<EventStoreOptions> = {},
  ) {
    this.options = { ...DEFAULT_EVENT_STORE_OPTIONS, ...options };
    this.committer = new GroupCommitter<AppendParams, AppendedRow[]>(
      (batch) => appendBatch<AppendedRow & { idx: number }>(pool, batch),
      this.options.groupCommit ?? { maxBatch: 1, maxInFlight: Number.MAX_SAFE_INTEGER },
    );
  }

  /**
   * Appends events at the stream's next versions if it is at `expectedVersion`; otherwise, or
   * when a concurrent append wins the race (the UNIQUE (aggregate_id, event_version) index
   * decides), fails with CONCURRENCY_CONFLICT and writes nothing. Version check, event rows and
   * their outbox rows are one statement, so one round trip and one transaction.
   *
   * The event insert is the transaction's first write: the transaction id PostgreSQL assigns
   * then orders this append after the previous one for commit-safe readers.
   */
  async append(request: AppendRequest): Promise<StoredEvent[]> {
    if (request.events.length === 0) {
      throw new DomainException(ErrorCode.ValidationFailed, 'an append needs at least one event', {
        entity: request.aggregateType,
        id: request.aggregateId,
        field: 'events',
      });
    }
    const context = currentCorrelation();
    const events = request.events.map((event) => ({
      event_id: event.eventId ?? randomUUID(),
      event_type: event.eventType,
      data: event.data,
      metadata: event.metadata ?? {},
    }));
    const params: AppendParams = {
      aggregateId: request.aggregateId,
      aggregateType: request.aggregateType,
      correlationId: context?.correlationId ?? newCorrelationId(),
      causationId: context?.causationId ?? null,
      userId: request.userId ?? null,
      events,
      expected: String(request.expectedVersion),
      topic: this.options.topicFor(request.aggregateType),
    };
    let rows: AppendedRow[];
    try {
      rows = entityOfAggregateType(request.aggregateType, this.options.entityProjection)
        ? await this.appendProjected(request, params)
        : await this.committer.submit(request.aggregateId, params);
    } catch (error) {
      throw this.appendError(request, error);
    }
    if (rows.length === 0) {
      const current = await this.currentVersion(request.aggregateId);
      throw new DomainException(
        ErrorCode.ConcurrencyConflict,
        `stream ${request.aggregateType} ${request.aggregateId} is at version ${current}, expected ${request.expectedVersion}`,
        { entity: request.aggregateType, id: request.aggregateId, field: 'expectedVersion', actualVersion: current },
      );
    }
    const stored = rows.map(toEvent);
    await this.snapshotIfDue(request, rows[0].previous_version, stored.at(-1)?.eventVersion ?? 0);
    return stored;
  }

  /**
   * An append of an aggregate type relayed to its entity topic: in one transaction, the append
   * statement, the entity's state after each new event (checked to be a whole entity, or nothing is
   * appended), and one more outbox row per event carrying that state to the entity topic.
   *
   * Position: the WAL insert position read after the events were written, in the same
   * transaction, as the backfill reads its chunks' positions. A monolith change of the same id
   * that committed before the append began has a lower position, one made after the append
   * committed a higher one, so ClickHouse's latest version and Weaviate's object follow the order
   * in which the two writers wrote. The n events of one append take the n positions below it.
   */
  private async appendProjected(request: AppendRequest, a: AppendParams): Promise<AppendedRow[]> {
    const projection = this.options.entityProjection as EntityProjectionOptions;
    const entity = entityOfAggregateType(request.aggregateType, projection) as MigratedEntity;
    const topic = entityTopic(entity, projection);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const appended = (await client.query<AppendedRow>({ name: 'mch-event-store-append', text: APPEND_SQL, values: appendValues(a) })).rows;
      if (appended.length === 0) {
        await client.query('ROLLBACK');
        return appended;
      }
      const before = await this.loadAggregate(request.aggregateId, client, appended[0].previous_version);
      const versions = projectEvents(entity, before.state, appended.map(toEvent), this.reducerFor(request.aggregateType), topic);
      const wal = await client.query<{ p: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS p`);
      const top = BigInt(wal.rows[0].p);
      await writeOutbox(
        client,
        versions.map((version, i) => {
          const { envelope, headers } = entityEnvelope(entity, version, top - BigInt(versions.length - 1 - i));
          return {
            aggregateId: request.aggregateId,
            aggregateType: request.aggregateType,
            eventType: envelope.eventType,
            eventId: envelope.eventId,
            topic,
            payload: envelope as unknown as Record<string, unknown>,
            partitionKey: request.aggregateId,
            headers,
            correlationId: version.event.correlationId,
            causationId: version.event.eventId,
          };
        }),
      );
      await client.query('COMMIT');
      return appended;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** What a failed append tells the caller: a conflict, a value the store cannot hold, or the error itself. */
  private appendError(request: AppendRequest, error: unknown): unknown {
    const code = (error as { code?: string }).code;
    if (code === UNIQUE_VIOLATION) {
      return new DomainException(
        ErrorCode.ConcurrencyConflict,
        `stream ${request.aggregateType} ${request.aggregateId} was appended to concurrently; expected version ${request.expectedVersion} is stale`,
        { entity: request.aggregateType, id: request.aggregateId, field: 'expectedVersion' },
        { cause: error },
      );
    }
    if (isDataException(code)) {
      return new DomainException(
        ErrorCode.ValidationFailed,
        `stream ${request.aggregateType} ${request.aggregateId}: the store cannot hold a value of the events (${(error as Error).message}); nothing was appended`,
        { entity: request.aggregateType, id: request.aggregateId, field: 'events', sqlState: code },
        { cause: error },
      );
    }
    return error;
  }

  async currentVersion(aggregateId: string): Promise<number> {
    const result = await this.pool.query<{ version: number }>(
      `SELECT COALESCE(max(event_version), 0)::int AS version FROM event_store WHERE aggregate_id = $1`,
      [aggregateId],
    );
    return result.rows[0].version;
  }

  async readStream(aggregateId: string, fromVersion = 1, limit = 1_000): Promise<StoredEvent[]> {
    const result = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store
        WHERE aggregate_id = $1 AND event_version >= $2 ORDER BY event_version LIMIT $3`,
      [aggregateId, fromVersion, limit],
    );
    return result.rows.map(toEvent);
  }

  /**
   * Reads every committed event after `after`, in commit-safe order. Only events of transactions
   * older than the oldest transaction still running are returned, so an event that took an
   * earlier position but commits later is delivered once it commits, never skipped; the cursor
   * moves in (transaction id, position) order, not by position or time alone.
   */
  async readAll(after: ReadCursor = START_OF_STORE, limit = 1_000): Promise<{ events: StoredEvent[]; next: ReadCursor }> {
    const result = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store
        WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, global_position
        LIMIT $3`,
      [after.transactionId, after.position, limit],
    );
    const events = result.rows.map(toEvent);
    const last = events.at(-1);
    return { events, next: last ? { transactionId: last.transactionId, position: last.globalPosition } : after };
  }

  /** Current state from the newest snapshot plus the events after it. */
  async loadAggregate(
    aggregateId: string,
    db: Pool | PoolClient = this.pool,
    /** The state as of this version (the newest when absent). */
    upTo: number = MAX_VERSION,
  ): Promise<AggregateState> {
    const snapshot = await db.query<{ snapshot_version: number; snapshot_data: { state: Record<string, unknown> | null } }>(
      `SELECT snapshot_version, snapshot_data FROM event_snapshots
        WHERE aggregate_id = $1 AND snapshot_version <= $2 ORDER BY snapshot_version DESC LIMIT 1`,
      [aggregateId, upTo],
    );
    const base = snapshot.rows[0];
    let state = base ? base.snapshot_data.state : null;
    let version = base ? base.snapshot_version : 0;
    const events = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store WHERE aggregate_id = $1 AND event_version > $2 AND event_version <= $3 ORDER BY event_version`,
      [aggregateId, version, upTo],
    );
    for (const row of events.rows) {
      const event = toEvent(row);
      state = this.reducerFor(event.aggregateType)(state, event);
      version = event.eventVersion;
    }
    return { aggregateId, version, state, snapshotVersion: base ? base.snapshot_version : null };
  }

  private reducerFor(aggregateType: string): Reducer {
    return this.options.reducers[aggregateType] ?? documentReducer;
  }

  /**
   * Snapshots are a read optimisation, written after the append commits: a missing snapshot
   * only means loading replays more events.
   */
  private async snapshotIfDue(request: AppendRequest, from: number, to: number): Promise<void> {
    const every = this.options.snapshotEvery;
    if (every <= 0 || Math.floor(to / every) === Math.floor(from / every)) return;
    const aggregate = await this.loadAggregate(request.aggregateId);
    await this.pool.query(
      `INSERT INTO event_snapshots (aggregate_id, aggregate_type, snapshot_version, snapshot_data)
       VALUES ($1, $2, $3, $4) ON CONFLICT (aggregate_id, snapshot_version) DO NOTHING`,
      [request.aggregateId, request.aggregateType, aggregate.version, JSON.stringify({ state: aggregate.state })],
    );
  }
}
