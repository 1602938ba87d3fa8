import { SetMetadata } from '@nestjs/common';

export const ALLOW_WITHOUT_API_TOKEN = 'mch:allow-without-api-token';

/**
 * The explicit opt-out from the API token that every state-changing HTTP route requires (on a
 * handler or a whole controller). The reason is kept as the metadata so a reviewer reads why.
 * No route uses it today; anything new is protected unless it says otherwise here.
 */
export const AllowWithoutApiToken = (reason: string) => SetMetadata(ALLOW_WITHOUT_API_TOKEN, reason);
