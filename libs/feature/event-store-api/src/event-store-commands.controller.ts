import { Controller, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import type { Kafka, Producer } from 'kafkajs';
import { EVENT_STORE_COMMANDS_TOPIC } from '@mch/contracts';
import { KAFKA_CLIENT, createIdempotentProducer } from '@mch/infra-kafka';
import { EventStore } from '@mch/data-event-store';
import { SERVICE_LOGGER } from '@mch/nest-bootstrap';
import { CorrelationHeaders, correlationFromHeaders, runWithCorrelation } from '@mch/util-correlation';
import { isDomainException } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { parseAppendRequest } from './append-request.schema';
import { EVENT_STORE } from './event-store.controller';
import { EventStoreMetrics } from './event-store.metrics';

export const EVENT_STORE_COMMANDS_DLQ = `dlq.${EVENT_STORE_COMMANDS_TOPIC.name}`;

/**
 * Other services append over Kafka: a command `{aggregateId, aggregateType, expectedVersion,
 * events}` with their correlation headers. A command that cannot be applied (invalid, or a stale
 * expected version) goes to the dead-letter topic with the reason; it is never dropped.
 */
@Controller()
export class EventStoreCommandsController implements OnApplicationShutdown {
  private producer?: Promise<Producer>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly metrics: EventStoreMetrics,
  ) {}

  @EventPattern(EVENT_STORE_COMMANDS_TOPIC.name)
  async onAppendCommand(@Payload() command: unknown, @Ctx() context: KafkaContext): Promise<void> {
    const message = context.getMessage();
    const headers = (message.headers ?? {}) as Record<string, string | Buffer | undefined>;
    const correlation = correlationFromHeaders(headers, { correlation: CorrelationHeaders.kafka, causation: CorrelationHeaders.kafkaCausation });
    await runWithCorrelation(correlation, async () => {
      const aggregateId = String((command as { aggregateId?: unknown } | null)?.aggregateId ?? '');
      try {
        const events = await this.metrics.observeAppend('kafka', () => this.store.append(parseAppendRequest(aggregateId, command)));
        this.logger.info('append command applied', { aggregate_id: aggregateId, events: events.length });
      } catch (error) {
        const reason = {
          code: isDomainException(error) ? error.code : 'INTERNAL',
          message: error instanceof Error ? error.message : String(error),
          ...(isDomainException(error) ? { details: error.details } : {}),
        };
        this.logger.warn('append command rejected; dead-lettered', { aggregate_id: aggregateId, error: reason });
        this.metrics.commandDeadLettered(reason.code);
        await (await this.getProducer()).send({
          topic: EVENT_STORE_COMMANDS_DLQ,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: JSON.stringify({ originalTopic: EVENT_STORE_COMMANDS_TOPIC.name, event: command, error: reason, timestamp: new Date().toISOString() }),
              headers: { [CorrelationHeaders.kafka]: correlation.correlationId },
            },
          ],
        });
      }
    });
  }

  private getProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = createIdempotentProducer(this.kafka);
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.producer) await (await this.producer).disconnect();
  }
}
