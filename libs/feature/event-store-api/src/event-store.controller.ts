import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { EventStore, START_OF_STORE, formatCursor, parseCursor } from '@mch/data-event-store';
import { IntQueryPipe } from '@mch/nest-bootstrap';
import { MAX_EXPECTED_VERSION, parseAppendRequest, requireStreamId } from './append-request.schema';
import { EventStoreMetrics } from './event-store.metrics';

/** The most events one GET /events page returns. */
export const MAX_READ_ALL_LIMIT = 5_000;

export const EVENT_STORE = Symbol('EVENT_STORE');

@Controller()
export class EventStoreController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: EventStoreMetrics,
  ) {}

  @Post('streams/:aggregateId/events')
  @HttpCode(201)
  async append(@Param('aggregateId') aggregateId: string, @Body() body: unknown) {
    const events = await this.metrics.observeAppend('http', () => this.store.append(parseAppendRequest(aggregateId, body)));
    return { nextExpectedVersion: events.at(-1)?.eventVersion, events };
  }

  @Get('streams/:aggregateId/events')
  readStream(
    @Param('aggregateId') aggregateId: string,
    @Query('fromVersion', new IntQueryPipe('fromVersion', { min: 1, max: MAX_EXPECTED_VERSION, default: 1 }))
    fromVersion: number,
  ) {
    return this.store.readStream(requireStreamId(aggregateId), fromVersion);
  }

  @Get('streams/:aggregateId')
  loadAggregate(@Param('aggregateId') aggregateId: string) {
    return this.store.loadAggregate(requireStreamId(aggregateId));
  }

  @Get('events')
  async readAll(
    @Query('after') after: unknown,
    @Query('limit', new IntQueryPipe('limit', { min: 1, max: MAX_READ_ALL_LIMIT, default: 500 }))
    limit: number,
  ) {
    const page = await this.store.readAll(
      after === undefined || after === '' ? START_OF_STORE : parseCursor(String(after)),
      limit,
    );
    return { events: page.events, next: formatCursor(page.next) };
  }
}
