import { loadConfig } from '@mch/util-config';
import { eventStoreApiConfigSchema } from './event-store-api.config';

const load = (env: Record<string, string>) => loadConfig(eventStoreApiConfigSchema, env);

describe('event-store settings: entity states on the entity topics', () => {
  it('relays no entity by default, all five with `all`, or the ones listed', () => {
    expect(load({}).EVENT_STORE_ENTITY_EVENTS).toEqual([]);
    expect(load({ EVENT_STORE_ENTITY_EVENTS: 'none' }).EVENT_STORE_ENTITY_EVENTS).toEqual([]);
    expect(load({ EVENT_STORE_ENTITY_EVENTS: 'all' }).EVENT_STORE_ENTITY_EVENTS).toEqual([
      'opportunity',
      'proposal',
      'contract_document',
      'company',
      'usage_record',
    ]);
    expect(load({ EVENT_STORE_ENTITY_EVENTS: 'opportunity, contract_document,opportunity' }).EVENT_STORE_ENTITY_EVENTS).toEqual([
      'opportunity',
      'contract_document',
    ]);
    expect(load({}).EVENT_STORE_ENTITY_TOPIC_PREFIX).toBe('');
  });

  it('names the variable and the unknown entity, and refuses a prefix that is not a topic name part', () => {
    expect(() => load({ EVENT_STORE_ENTITY_EVENTS: 'opportunity,invoice' })).toThrow(/EVENT_STORE_ENTITY_EVENTS is invalid: unknown entities invoice/);
    expect(() => load({ EVENT_STORE_ENTITY_TOPIC_PREFIX: 'a b' })).toThrow(/EVENT_STORE_ENTITY_TOPIC_PREFIX is invalid/);
  });
});
