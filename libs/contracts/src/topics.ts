/**
 * Every Kafka topic the toolkit reads or writes, defined once. Names follow the monolith team's
 * existing `contracts.<entity>.events` topics so services already consuming them keep working.
 */
export const MigratedEntity = {
  Opportunity: 'opportunity',
  Proposal: 'proposal',
  ContractDocument: 'contract_document',
  Company: 'company',
  UsageRecord: 'usage_record',
} as const;
export type MigratedEntity = (typeof MigratedEntity)[keyof typeof MigratedEntity];

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Source table in the monolith. */
  table: string;
}

export const ENTITY_TOPICS: Record<MigratedEntity, TopicSpec> = {
  opportunity: { name: 'contracts.opportunities.events', partitions: 10, table: 'opportunities' },
  proposal: { name: 'contracts.proposals.events', partitions: 5, table: 'proposals' },
  contract_document: { name: 'contracts.documents.events', partitions: 5, table: 'contract_documents' },
  company: { name: 'contracts.companies.events', partitions: 3, table: 'companies' },
  usage_record: { name: 'contracts.api-usage.events', partitions: 10, table: 'usage_records' },
};

/** Where a message that cannot be processed goes, with its error, instead of being dropped. */
export function deadLetterTopic(entity: MigratedEntity): string {
  return `dlq.${ENTITY_TOPICS[entity].name}`;
}

/** Events appended to the event store are relayed here by the outbox relay. */
export const EVENT_STORE_TOPIC: TopicSpec = { name: 'eventstore.events', partitions: 6, table: 'event_store' };

/** Append commands other services send to the event store over Kafka (the event-store consumes them). */
export const EVENT_STORE_COMMANDS_TOPIC: TopicSpec = { name: 'eventstore.append-requests', partitions: 6, table: 'event_store' };
