import { createServer, connect, type Server, type Socket } from 'node:net';

/** Decides whether a chunk the client sends is the request to fault; `memo` is per connection. */
export type Matcher = (text: string, memo: Record<string, number>) => boolean;

/**
 * A TCP proxy between one service process and one store, placing a fault at an exact point of the
 * conversation (the stores' own protocols pass through untouched):
 * - `holdReplies(match)`: the next client request whose bytes match is forwarded, but everything the
 *   store answers on that connection is held back until `release()`; the request is in flight.
 * - `cutAfterRequest(match)`: the next matching request is forwarded and, as soon as the store starts
 *   answering (so it has received the whole request and acted on it), the client's socket is
 *   destroyed and the answer dropped: the client cannot know the outcome.
 */
export class TcpFaultProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private hold?: { match: Matcher; held: Array<() => void>; hit?: () => void; hitAt?: Promise<void> };
  private cut?: { match: Matcher; done: () => void };
  /** Requests matched by a fault so far. */
  readonly faults: string[] = [];
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.connection(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** Resolves once a matching request has been forwarded and its answer is being held. */
  holdReplies(match: Matcher): Promise<void> {
    let hit: () => void = () => undefined;
    const hitAt = new Promise<void>((resolve) => (hit = resolve));
    this.hold = { match, held: [], hit, hitAt };
    return hitAt;
  }

  /** Lets every held answer through and forwards normally again. */
  release(): void {
    const held = this.hold?.held ?? [];
    this.hold = undefined;
    for (const flush of held) flush();
  }

  /** Resolves once a matching request was forwarded and its client connection cut. */
  cutAfterRequest(match: Matcher): Promise<void> {
    return new Promise((resolve) => (this.cut = { match, done: resolve }));
  }

  async stop(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private connection(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(client).add(upstream);
    let holding = false;
    let heldChunks: Buffer[] = [];
    let cutting = false;
    const memo: Record<string, number> = {};
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      const hold = this.hold;
      if (hold && !holding && hold.match(text, memo)) {
        holding = true;
        this.faults.push(`held: ${text.slice(0, 80)}`);
        hold.held.push(() => {
          holding = false;
          for (const held of heldChunks) client.write(held);
          heldChunks = [];
        });
        upstream.write(chunk, () => hold.hit?.());
        return;
      }
      const cut = this.cut;
      if (cut && !cutting && cut.match(text, memo)) {
        cutting = true;
        this.cut = undefined;
        this.faults.push(`cut: ${text.slice(0, 80)}`);
        upstream.write(chunk);
        // The first byte of the store's answer: the request was received and executed.
        upstream.once('data', () => {
          close();
          cut.done();
        });
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) return;
      if (holding) heldChunks.push(chunk);
      else client.write(chunk);
    });
  }
}

/** The ClickHouse sink's INSERT of a batch into an analytics table (the query travels in the URL). */
export const isBatchInsert = (text: string): boolean =>
  /INSERT(%20|\+|\s)+INTO(%20|\+|\s)+(%60|`|%22|")?\w*_events/i.test(text);
