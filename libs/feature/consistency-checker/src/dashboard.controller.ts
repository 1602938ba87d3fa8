import { Controller, Get, Header } from '@nestjs/common';
import type { DashboardState } from '@mch/data-consistency';
import { DASHBOARD_HTML } from './dashboard.page';
import { DASHBOARD_SCRIPT } from './dashboard.script';
import { MigrationDashboardService } from './migration-dashboard.service';

// Read-only pages: no credential (like /metrics and the report); the script is same-origin only.
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'";

@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboard: MigrationDashboardService) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-store')
  page(): string {
    return DASHBOARD_HTML;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  script(): string {
    return DASHBOARD_SCRIPT;
  }

  /** Everything the page shows, as JSON: rows per store, progress, rates, lag, dead letters, checks, rollbacks. */
  @Get('state')
  @Header('Cache-Control', 'no-store')
  state(): Promise<DashboardState> {
    return this.dashboard.state();
  }
}
