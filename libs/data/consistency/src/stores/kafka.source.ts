import type { Kafka } from 'kafkajs';
import { compareSourcePositions, type MigratedEntity } from '@mch/contracts';
import { parseJsonExact } from '@mch/data-kafka-migration';
import { canonicalText, type CanonicalText } from '../hashing/canonical-value';
import { rowHash } from '../hashing/row-hash';
import type { HashProfile } from '../profiles/hash-profile';
import { ClientSideRows } from './client-side.rows';
import type { ContentView, RowHash, SegmentSummary } from './content-view';
import { scanTopic, type ScannedMessage } from './topic.scanner';

/** The newest version of one key, by source position. */
export interface KafkaKeyState {
  position: string;
  deleted: boolean;
  /** Row hash of the version's data; null for a delete. */
  hash: string | null;
  /** The envelope's timestamp (ISO). */
  timestamp: string;
}

export interface UndecodableMessage {
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
}

export interface KafkaSourceOptions {
  /** Only events of this migration count (metadata.migrationId), when given. */
  migrationId: string | null;
  timeoutMs: number;
  /** Undecodable messages listed in the report, beyond their count. */
  maxListed: number;
}

interface Decoded {
  id: string;
  position: string;
  deleted: boolean;
  data: Record<string, unknown> | null;
  timestamp: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A canonical text, or a marker that never equals one, for a value the field's type cannot hold. */
function canonicalOrInvalid(type: HashProfile['fields'][number]['type'], value: unknown): CanonicalText {
  try {
    return canonicalText(type, value);
  } catch (error) {
    return `\u0000invalid: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The entity topic as a consumer that applies every event would see it: the newest version of
 * each key by metadata.sourcePosition (not by offset: a backfill chunk and a live change can land
 * in either order), deletes applied. Read and hashed here, since Kafka cannot aggregate; only the
 * newest version's hash per key is kept, so memory stays near 100 bytes per key.
 */
export class KafkaEntitySource implements ContentView {
  readonly store = 'kafka' as const;
  readonly keys = new Map<string, KafkaKeyState>();
  readonly undecodable: UndecodableMessage[] = [];
  undecodableCount = 0;
  messages = 0;
  private rows?: ClientSideRows;
  /** Numbers in jsonb fields are compared as written (`1.50`, 20 digits), so they are read so. */
  private readonly jsonbFields: boolean;

  constructor(
    private readonly kafka: Kafka,
    readonly entity: MigratedEntity,
    readonly topic: string,
    readonly profile: HashProfile,
    private readonly options: KafkaSourceOptions,
  ) {
    this.jsonbFields = profile.fields.some((f) => f.type === 'jsonb');
  }

  /** Reads the whole topic once; `hashes` false skips hashing (a count-only check). */
  async load(hashes = true): Promise<void> {
    const result = await scanTopic(
      this.kafka,
      this.topic,
      (message) => {
        const decoded = this.decode(message);
        if (!decoded) return;
        const seen = this.keys.get(decoded.id);
        if (seen && compareSourcePositions(decoded.position, seen.position) <= 0) return;
        this.keys.set(decoded.id, {
          position: decoded.position,
          deleted: decoded.deleted,
          hash:
            decoded.deleted || !hashes || decoded.data === null
              ? null
              : rowHash(this.profile.fields.map((f) => canonicalOrInvalid(f.type, decoded.data?.[f.field]))),
          timestamp: decoded.timestamp,
        });
      },
      { timeoutMs: this.options.timeoutMs, groupPrefix: 'consistency-checker' },
    );
    this.messages = result.messages;
    const live = new Map<string, string>();
    for (const [id, state] of this.keys) if (!state.deleted && state.hash !== null) live.set(id, state.hash);
    this.rows = new ClientSideRows(live);
  }

  /** Live keys: newest version is not a delete. */
  count(): number {
    let n = 0;
    for (const state of this.keys.values()) if (!state.deleted) n++;
    return n;
  }

  private loaded(): ClientSideRows {
    if (!this.rows) throw new Error(`${this.topic} has not been read yet`);
    return this.rows;
  }

  async summarize(length: number, within: readonly string[] | null): Promise<Map<string, SegmentSummary>> {
    return this.loaded().summarize(length, within);
  }

  async rowHashes(prefixes: readonly string[]): Promise<Map<string, RowHash>> {
    return this.loaded().rowHashes(prefixes);
  }

  /**
   * The data of these keys' newest versions, by reading the topic again: keeping every row's data
   * in memory for the rare sample of differences would cost gigabytes on a large topic.
   */
  async canonicalRows(ids: readonly string[]): Promise<Map<string, CanonicalText[]>> {
    const wanted = new Set(ids);
    const found = new Map<string, Decoded>();
    if (wanted.size === 0) return new Map();
    await scanTopic(
      this.kafka,
      this.topic,
      (message) => {
        if (!message.key || !wanted.has(message.key.toString())) return;
        const decoded = this.decode(message, false);
        if (!decoded || !wanted.has(decoded.id)) return;
        const seen = found.get(decoded.id);
        if (!seen || compareSourcePositions(decoded.position, seen.position) > 0)
          found.set(decoded.id, decoded);
      },
      { timeoutMs: this.options.timeoutMs, groupPrefix: 'consistency-checker' },
    );
    const out = new Map<string, CanonicalText[]>();
    for (const [id, decoded] of found) {
      if (decoded.deleted || decoded.data === null) continue;
      out.set(
        id,
        this.profile.fields.map((f) => canonicalOrInvalid(f.type, decoded.data?.[f.field])),
      );
    }
    return out;
  }

  private decode(message: ScannedMessage, record = true): Decoded | null {
    const key = message.key ? message.key.toString() : null;
    const fail = (reason: string): null => {
      if (!record) return null;
      this.undecodableCount++;
      if (this.undecodable.length < this.options.maxListed)
        this.undecodable.push({ partition: message.partition, offset: message.offset, key, reason });
      return null;
    };
    if (message.value === null) return fail('empty value (a tombstone message, not an event)');
    let parsed: unknown;
    try {
      const text = message.value.toString();
      parsed = this.jsonbFields ? parseJsonExact(text) : JSON.parse(text);
    } catch {
      return fail('value is not JSON');
    }
    if (!isObject(parsed) || !isObject(parsed.metadata)) return fail('value is not an event envelope');
    const metadata = parsed.metadata;
    if (this.options.migrationId !== null && metadata.migrationId !== this.options.migrationId) return null;
    if (typeof parsed.aggregateId !== 'string') return fail('aggregateId is missing');
    if (key !== null && key !== parsed.aggregateId)
      return fail(`key differs from aggregateId ${parsed.aggregateId}`);
    if (typeof metadata.sourcePosition !== 'string') return fail('metadata.sourcePosition is missing');
    const deleted = metadata.operation === 'delete' || parsed.data === null;
    if (!deleted && !isObject(parsed.data)) return fail('data is not an object');
    return {
      id: parsed.aggregateId.toLowerCase(),
      position: metadata.sourcePosition,
      deleted,
      data: deleted ? null : (parsed.data as Record<string, unknown>),
      timestamp:
        typeof parsed.timestamp === 'string'
          ? parsed.timestamp
          : new Date(Number(message.timestamp)).toISOString(),
    };
  }
}
