import net from 'node:net';

/**
 * A TCP proxy between the server and PostgreSQL or Redis that a test can cut
 * (connections reset, new ones refused) or stall (connections stay open, no
 * byte moves), then restore — the faults `tc netem` would give, in-process.
 */
export class FaultProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  /** Pairs one side of which closed while stalled: the other side hears of it only after `restore()`. */
  private readonly closedWhileStalled = new Set<() => void>();
  private mode: 'up' | 'cut' | 'stalled' = 'up';
  private newConnectionDelayMs = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: net.Server,
  ) {
    this.server = server;
  }

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(target, (server.address() as net.AddressInfo).port, server);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** A URL like `original` that goes through this proxy. */
  rewrite(original: string): string {
    const url = new URL(original);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  private accept(client: net.Socket) {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      // A stalled network carries no close either: the far side keeps waiting, as it would.
      if (this.mode === 'stalled') {
        this.closedWhileStalled.add(close);
        return;
      }
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', close);
      socket.on('close', close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.mode === 'stalled') this.pausePair(pair);
    else if (this.newConnectionDelayMs > 0) {
      this.pausePair(pair);
      setTimeout(() => {
        if (this.mode === 'up' && this.pairs.has(pair)) this.resumePair(pair);
      }, this.newConnectionDelayMs);
    }
  }

  private pausePair([client, upstream]: [net.Socket, net.Socket]) {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  }

  /** Resets every connection and refuses new ones until `restore()`. */
  cut() {
    this.mode = 'cut';
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Keeps connections open but moves no data, not even a close, like a network that silently drops packets. */
  stall() {
    this.mode = 'stalled';
    for (const pair of this.pairs) this.pausePair(pair);
  }

  /** Every connection made from now on moves no byte for its first `ms`, like a far or busy server. */
  delayNewConnections(ms: number) {
    this.newConnectionDelayMs = ms;
  }

  restore() {
    const wasStalled = this.mode === 'stalled';
    this.mode = 'up';
    if (!wasStalled) return;
    for (const close of this.closedWhileStalled) close();
    this.closedWhileStalled.clear();
    for (const pair of this.pairs) this.resumePair(pair);
  }

  private resumePair([client, upstream]: [net.Socket, net.Socket]) {
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    upstream.resume();
  }

  async stop() {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
