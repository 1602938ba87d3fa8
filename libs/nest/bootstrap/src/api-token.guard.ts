import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { describeApiTokenRefusal, type ApiTokenCheck } from '@mch/util-auth';
import { DomainException, ErrorCode } from '@mch/util-errors';
import type { Logger } from '@mch/util-logger';
import { ALLOW_WITHOUT_API_TOKEN } from './allow-without-api-token.decorator';
import { SAFE_HTTP_METHODS } from './state-changing-routes';

/**
 * Installed globally by bootstrapService: every HTTP request whose method can change state
 * (anything but GET, HEAD, OPTIONS) must carry `Authorization: Bearer <API_TOKEN>`, unless its
 * handler or controller opts out with AllowWithoutApiToken. Protecting by method rather than by
 * listing routes means an endpoint added later is protected without anyone remembering to.
 * A refusal is a 401 in the services' error format; the header's value is never logged.
 */
export class ApiTokenGuard implements CanActivate {
  private warnedUnconfigured = false;

  constructor(
    private readonly reflector: Reflector,
    /** Undefined when the service has no API_TOKEN: then every state-changing request is refused. */
    private readonly check: ApiTokenCheck | undefined,
    private readonly logger: Logger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Kafka handlers (@EventPattern) are reached through the broker, not over HTTP.
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (SAFE_HTTP_METHODS.has(request.method.toUpperCase())) return true;
    const optOut = this.reflector.getAllAndOverride<string | undefined>(ALLOW_WITHOUT_API_TOKEN, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (optOut !== undefined) return true;

    const response = context.switchToHttp().getResponse<Response>();
    if (!this.check) {
      // Boot requires API_TOKEN for every route it can see; this is a route it could not (fail closed).
      if (!this.warnedUnconfigured) {
        this.warnedUnconfigured = true;
        this.logger.warn('state-changing request refused: API_TOKEN is not configured for this service', {
          method: request.method,
          path: request.path,
        });
      }
      response.setHeader('WWW-Authenticate', 'Bearer');
      throw new DomainException(
        ErrorCode.Unauthenticated,
        'this service has no API_TOKEN configured, so it accepts no state-changing request',
        {
          field: 'Authorization',
        },
      );
    }
    const verdict = this.check(request.headers.authorization);
    if (verdict.ok) return true;
    // RFC 6750 §3: a challenge on every 401; error="invalid_token" only when a token was presented.
    response.setHeader(
      'WWW-Authenticate',
      verdict.reason === 'mismatch' ? 'Bearer error="invalid_token"' : 'Bearer',
    );
    throw new DomainException(ErrorCode.Unauthenticated, describeApiTokenRefusal(verdict.reason), {
      field: 'Authorization',
      reason: verdict.reason,
    });
  }
}
