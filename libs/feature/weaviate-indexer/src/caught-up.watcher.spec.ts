import { endOffsets, partitionsBehind } from './caught-up.watcher';

const topicOffsets: Record<string, { partition: number; offset: string; high: string; low: string }[]> = {
  opps: [
    { partition: 0, offset: '120', high: '120', low: '0' },
    { partition: 1, offset: '0', high: '0', low: '0' },
    { partition: 2, offset: '40', high: '40', low: '40' },
  ],
  docs: [{ partition: 0, offset: '7', high: '7', low: '2' }],
};

describe('Job mode progress', () => {
  it('targets the end offset of every partition that still holds messages', async () => {
    const targets = await endOffsets({ fetchTopicOffsets: async (topic: string) => topicOffsets[topic] }, ['opps', 'docs']);
    expect([...targets.entries()]).toEqual([
      ['opps:0', { topic: 'opps', partition: 0, end: 120n }],
      ['docs:0', { topic: 'docs', partition: 0, end: 7n }],
    ]);
  });

  it('counts partitions whose committed offset has not reached the target (no commit yet = behind)', async () => {
    const targets = await endOffsets({ fetchTopicOffsets: async (topic: string) => topicOffsets[topic] }, ['opps', 'docs']);
    const admin = (committed: Record<string, string>) => ({
      fetchOffsets: async () =>
        ['opps', 'docs'].map((topic) => ({
          topic,
          partitions: Object.entries(committed)
            .filter(([key]) => key.startsWith(`${topic}:`))
            .map(([key, offset]) => ({ partition: Number(key.split(':')[1]), offset, metadata: null })),
        })),
    });
    expect(await partitionsBehind(admin({ 'opps:0': '-1', 'docs:0': '-1' }), 'g', targets)).toBe(2);
    expect(await partitionsBehind(admin({ 'opps:0': '119', 'docs:0': '7' }), 'g', targets)).toBe(1);
    expect(await partitionsBehind(admin({ 'opps:0': '120', 'docs:0': '9' }), 'g', targets)).toBe(0);
  });
});
