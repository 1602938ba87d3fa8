import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@mch/util-logger';

/** Nest's own messages (module init, routes) go out as the same JSON lines as ours. */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info(String(message), context ? { context } : undefined);
  }
  error(message: unknown, stack?: string, context?: string): void {
    this.logger.error(String(message), { ...(stack ? { stack } : {}), ...(context ? { context } : {}) });
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn(String(message), context ? { context } : undefined);
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { context } : undefined);
  }
  verbose(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { context } : undefined);
  }
}
