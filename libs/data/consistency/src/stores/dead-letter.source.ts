import type { Kafka } from 'kafkajs';
import {
  STAGE_FEEDS,
  parseDeadLetter,
  type DeadLetter,
  type DeadLetterStage,
  type MigratedEntity,
} from '@mch/contracts';
import type { TargetStore } from './content-view';
import { scanTopic } from './topic.scanner';
import { existingTopics } from '@mch/infra-kafka';

/** Why one row is missing from one store: the newest dead letter of a stage feeding it. */
export interface DeadLetterExplanation {
  stage: string;
  code: string;
  message: string;
  field: string | null;
  limit: number | null;
  /** When it was dead-lettered (the dead letter's timestamp). */
  at: string;
  topic: string;
  partition: number;
  offset: string;
}

export interface DeadLetterSourceOptions {
  /** Only this run's dead letters count (their migration id); all when null. */
  migrationId: string | null;
  timeoutMs: number;
}

export interface DeadLetterSummary {
  /** False when Kafka is not configured: nothing could be explained. */
  read: boolean;
  topics: string[];
  /** Dead letters of this run (and entity) read. */
  letters: number;
  /** Distinct ids among them. */
  ids: number;
  byStage: Record<string, number>;
  /** Messages on the topics that are no dead letter, or name another entity or no id (not usable). */
  unusable: number;
}

const feeds = (stage: string): readonly TargetStore[] => STAGE_FEEDS[stage as DeadLetterStage] ?? [];

/**
 * One entity's dead letters of a run, read from its dead-letter topics (each read once, up to the
 * end offsets at the start, as the entity topic is). A dead letter explains a missing row only in
 * the stores its stage feeds (STAGE_FEEDS): the kafka-migrator's in all three, a consumer's in its
 * own. The newest letter per id and stage is kept (a replayed and refused again row has several).
 */
export class DeadLetterSource {
  private readonly letters = new Map<string, Map<string, DeadLetterExplanation>>();
  /** topic:partition:offset of every original message a consumer dead-lettered, whatever its run. */
  private readonly originals = new Set<string>();
  readonly summary: DeadLetterSummary;

  constructor(
    private readonly kafka: Kafka | undefined,
    readonly entity: MigratedEntity,
    readonly topics: readonly string[],
    private readonly options: DeadLetterSourceOptions,
  ) {
    this.summary = { read: false, topics: [...topics], letters: 0, ids: 0, byStage: {}, unusable: 0 };
  }

  async load(): Promise<void> {
    if (!this.kafka) return;
    const existing = await existingTopics(this.kafka);
    // A run with nothing dead-lettered may never have created a consumer's dead-letter topic.
    const present = this.topics.filter((t) => existing.has(t));
    this.summary.topics = present;
    for (const topic of present) {
      await scanTopic(
        this.kafka,
        topic,
        (message) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            const first = Array.isArray(value) ? value[0] : value;
            if (first !== undefined) headers[name] = first.toString();
          }
          const letter = parseDeadLetter(message.value ? message.value.toString() : null, {
            key: message.key ? message.key.toString() : null,
            headers,
            topic,
          });
          this.add(letter, topic, message.partition, message.offset);
        },
        { timeoutMs: this.options.timeoutMs, groupPrefix: 'consistency-checker-dlq' },
      );
    }
    this.summary.ids = this.letters.size;
    this.summary.read = true;
  }

  private add(letter: DeadLetter | null, topic: string, partition: number, offset: string): void {
    // A message that is no event names no run: its place on the topic identifies it.
    if (letter?.original) this.originals.add(`${letter.original.topic}:${letter.original.partition}:${letter.original.offset}`);
    if (!letter || letter.id === null || (letter.entity !== null && letter.entity !== this.entity)) {
      this.summary.unusable++;
      return;
    }
    if (this.options.migrationId !== null && letter.migrationId !== this.options.migrationId) return;
    this.summary.letters++;
    this.summary.byStage[letter.stage] = (this.summary.byStage[letter.stage] ?? 0) + 1;
    const byStage = this.letters.get(letter.id) ?? new Map<string, DeadLetterExplanation>();
    const seen = byStage.get(letter.stage);
    if (!seen || seen.at <= letter.timestamp) {
      byStage.set(letter.stage, {
        stage: letter.stage,
        code: letter.reason.code,
        message: letter.reason.message,
        field: letter.reason.field ?? null,
        limit: letter.reason.limit ?? null,
        at: letter.timestamp,
        topic,
        partition,
        offset,
      });
    }
    this.letters.set(letter.id, byStage);
  }

  /** Whether a consumer dead-lettered the message at this place of the entity topic. */
  deadLetteredMessage(topic: string, partition: number, offset: string): boolean {
    return this.originals.has(`${topic}:${partition}:${offset}`);
  }

  /** Why these ids are missing from `target`, for those a stage feeding it dead-lettered. */
  explain(ids: readonly string[], target: TargetStore): Map<string, DeadLetterExplanation> {
    const out = new Map<string, DeadLetterExplanation>();
    for (const id of ids) {
      const byStage = this.letters.get(id.toLowerCase());
      if (!byStage) continue;
      // The earliest stage on the row's way wins: the migrator's refusal is why a consumer never saw it.
      const found = [...byStage.values()]
        .filter((e) => feeds(e.stage).includes(target))
        .sort((a, b) => feeds(b.stage).length - feeds(a.stage).length || (a.at < b.at ? 1 : -1))[0];
      if (found) out.set(id, found);
    }
    return out;
  }
}
