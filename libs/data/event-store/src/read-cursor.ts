import { DomainException, ErrorCode } from '@mch/util-errors';
import type { ReadCursor } from './event-store.types';

export function formatCursor(cursor: ReadCursor): string {
  return `${cursor.transactionId}-${cursor.position}`;
}

export function parseCursor(text: string): ReadCursor {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(text);
  if (!match) {
    throw new DomainException(ErrorCode.ValidationFailed, `cursor '${text}' is not <transactionId>-<position>`, {
      entity: 'event_store',
      field: 'after',
    });
  }
  return { transactionId: match[1], position: match[2] };
}
