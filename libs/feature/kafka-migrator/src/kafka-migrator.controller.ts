import { Controller, Get } from '@nestjs/common';
import { ChangeStreamerRunner } from './change-streamer.runner';

@Controller('migration')
export class KafkaMigratorController {
  constructor(private readonly runner: ChangeStreamerRunner) {}

  /** Streamer counters and the WAL the capture slot holds back (alert when it grows). */
  @Get('status')
  async status() {
    return { ...this.runner.status(), retainedWalBytes: await this.runner.retainedWalBytes() };
  }
}
