import { Body, Controller, Get, HttpCode, Inject, Param, ParseIntPipe, Post, Query, DefaultValuePipe } from '@nestjs/common';
import { EventStore, START_OF_STORE, formatCursor, parseCursor } from '@mch/data-event-store';
import { parseAppendRequest, requireStreamId } from './append-request.schema';

export const EVENT_STORE = Symbol('EVENT_STORE');

@Controller()
export class EventStoreController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post('streams/:aggregateId/events')
  @HttpCode(201)
  async append(@Param('aggregateId') aggregateId: string, @Body() body: unknown) {
    const events = await this.store.append(parseAppendRequest(aggregateId, body));
    return { nextExpectedVersion: events.at(-1)?.eventVersion, events };
  }

  @Get('streams/:aggregateId/events')
  readStream(
    @Param('aggregateId') aggregateId: string,
    @Query('fromVersion', new DefaultValuePipe(1), ParseIntPipe) fromVersion: number,
  ) {
    return this.store.readStream(requireStreamId(aggregateId), fromVersion);
  }

  @Get('streams/:aggregateId')
  loadAggregate(@Param('aggregateId') aggregateId: string) {
    return this.store.loadAggregate(requireStreamId(aggregateId));
  }

  @Get('events')
  async readAll(@Query('after') after?: string, @Query('limit', new DefaultValuePipe(500), ParseIntPipe) limit = 500) {
    const page = await this.store.readAll(after ? parseCursor(after) : START_OF_STORE, Math.min(limit, 5_000));
    return { events: page.events, next: formatCursor(page.next) };
  }
}
