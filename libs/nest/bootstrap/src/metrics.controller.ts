import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ServiceMetrics } from '@mch/util-metrics';

/**
 * `GET /metrics`, the Prometheus scrape of every service. Read-only, so like the health endpoints
 * it needs no API token (the guard covers state-changing routes only; docs/security.md).
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: ServiceMetrics) {}

  @Get('metrics')
  async render(@Res() res: Response): Promise<void> {
    const text = await this.metrics.render();
    res.type(this.metrics.contentType).send(text);
  }
}
