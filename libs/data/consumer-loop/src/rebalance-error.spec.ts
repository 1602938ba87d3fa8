import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { isRebalanceError } from './consumer-loop';

/** kafkajs builds protocol errors from the broker's error codes; these are the real objects it throws. */
// Its typings take an Error; at run time kafkajs passes the broker error's description, as here.
const protocolError = (type: string, code: number) =>
  new KafkaJSProtocolError({ type, code, retriable: false, message: type } as unknown as Error);

/** What kafkajs's retrier rejects with for a non-retriable error (its typings omit the cause option). */
const wrapped = (cause: Error) =>
  new (KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error)(cause, { cause });

describe('isRebalanceError', () => {
  it('recognises the commit refusals of a group that moved on', () => {
    expect(isRebalanceError(protocolError('REBALANCE_IN_PROGRESS', 27))).toBe(true);
    expect(isRebalanceError(protocolError('ILLEGAL_GENERATION', 22))).toBe(true);
    expect(isRebalanceError(protocolError('UNKNOWN_MEMBER_ID', 25))).toBe(true);
    expect(isRebalanceError(protocolError('NOT_COORDINATOR_FOR_GROUP', 16))).toBe(true);
  });

  it('recognises them wrapped by kafkajs\'s retrier, as a commit refused with ILLEGAL_GENERATION arrives', () => {
    const refused = protocolError('ILLEGAL_GENERATION', 22);
    expect(isRebalanceError(wrapped(refused))).toBe(true);
    const other = protocolError('TOPIC_AUTHORIZATION_FAILED', 29);
    expect(isRebalanceError(wrapped(other))).toBe(false);
  });

  it('leaves every other failure a failure', () => {
    expect(isRebalanceError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29))).toBe(false);
    expect(isRebalanceError(new Error('ECONNREFUSED'))).toBe(false);
    expect(isRebalanceError(null)).toBe(false);
  });
});
