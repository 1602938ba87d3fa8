import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ENTITY_TOPICS, type MigratedEntity } from '@mch/contracts';
import { renderReportTable, type ConsistencyReport } from '@mch/data-consistency';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { IntQueryPipe } from '@mch/nest-bootstrap';
import { ConsistencyRunService } from './consistency-run.service';

@Controller()
export class ConsistencyController {
  constructor(private readonly runs: ConsistencyRunService) {}

  private latest(): ConsistencyReport {
    const report = this.runs.latestReport();
    if (!report)
      throw new DomainException(ErrorCode.NotFound, 'no consistency check has completed yet', {
        entity: 'consistency_check_runs',
      });
    return report;
  }

  /** The latest report (JSON), the one the gauges show. */
  @Get('consistency/report')
  report(): ConsistencyReport {
    return this.latest();
  }

  /** The latest report as a table for people. */
  @Get('consistency/report.txt')
  table(@Res() res: Response): void {
    res.type('text/plain').send(`${renderReportTable(this.latest())}\n`);
  }

  /** Starts a check now unless one is running; the report appears at /consistency/report when done. */
  @Post('consistency/runs')
  @HttpCode(202)
  trigger(): { status: 'started' | 'already running' } {
    const status = this.runs.isRunning() ? 'already running' : 'started';
    void this.runs.start().catch(() => undefined);
    return { status };
  }

  @Get('consistency/runs')
  history(@Query('limit', new IntQueryPipe('limit', { min: 1, max: 500, default: 20 })) limit: number) {
    return this.runs.history(limit);
  }

  @Get('consistency/lineage/:entity/:id')
  lineage(@Param('entity') entity: string, @Param('id') id: string) {
    if (!(entity in ENTITY_TOPICS)) {
      throw new DomainException(
        ErrorCode.ValidationFailed,
        `'${entity.slice(0, 100)}' is not a migrated entity (known: ${Object.keys(ENTITY_TOPICS).join(', ')})`,
        { field: 'entity', limit: Object.keys(ENTITY_TOPICS) },
      );
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      throw new DomainException(ErrorCode.ValidationFailed, `'${id.slice(0, 100)}' is not a UUID`, {
        field: 'id',
        limit: 'UUID',
      });
    }
    return this.runs.lineage(entity as MigratedEntity, id);
  }

  /** Everything one correlation id touched (event store, outbox, Kafka, ClickHouse, Weaviate), with causation ids. */
  @Get('consistency/correlations/:correlationId/lineage')
  correlationLineage(@Param('correlationId') correlationId: string) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(correlationId)) {
      throw new DomainException(ErrorCode.ValidationFailed, `'${correlationId.slice(0, 100)}' is not a UUID`, {
        field: 'correlationId',
        limit: 'UUID',
      });
    }
    return this.runs.correlationLineage(correlationId);
  }
}
