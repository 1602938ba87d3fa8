import { ENTITY_TOPICS, type MigratedEntity } from '@mch/contracts';
import { analyticsTableFor, type AnalyticsTable } from '@mch/data-clickhouse-analytics';

export interface PopulatorTopics {
  /** Entity topic -> entity, for the decoder. */
  entityOfTopic: Map<string, MigratedEntity>;
  /** Entity topic -> analytics table, for the sink. */
  tableOfTopic: Map<string, AnalyticsTable>;
  topics: { topic: string; deadLetter: string; partitions: number }[];
}

/** Same rule as deadLetterTopic(entity): `dlq.` + the topic, so a prefix carries over. */
export const deadLetterTopicOf = (topic: string) => `dlq.${topic}`;

export function populatorTopics(entities: readonly MigratedEntity[], prefix: string): PopulatorTopics {
  const entityOfTopic = new Map<string, MigratedEntity>();
  const tableOfTopic = new Map<string, AnalyticsTable>();
  const topics: PopulatorTopics['topics'] = [];
  for (const entity of entities) {
    const table = analyticsTableFor(entity);
    if (!table) throw new Error(`${entity} has no analytics table`);
    const topic = `${prefix}${ENTITY_TOPICS[entity].name}`;
    entityOfTopic.set(topic, entity);
    tableOfTopic.set(topic, table);
    topics.push({ topic, deadLetter: deadLetterTopicOf(topic), partitions: ENTITY_TOPICS[entity].partitions });
  }
  return { entityOfTopic, tableOfTopic, topics };
}
