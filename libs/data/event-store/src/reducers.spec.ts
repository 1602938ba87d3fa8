import { documentReducer } from './reducers';
import type { StoredEvent } from './event-store.types';

const event = (eventType: string, data: Record<string, unknown>) => ({ eventType, data }) as StoredEvent;

describe('documentReducer', () => {
  it('merges changed fields over the previous state', () => {
    const state = documentReducer(documentReducer(null, event('OpportunityCreated', { title: 'a', agency: 'VA' })), event('OpportunityUpdated', { title: 'b' }));
    expect(state).toEqual({ title: 'b', agency: 'VA' });
  });

  it('ends the document on a Deleted event', () => {
    expect(documentReducer({ title: 'a' }, event('OpportunityDeleted', {}))).toBeNull();
  });
});
