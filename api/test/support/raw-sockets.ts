import WebSocket from 'ws';
import type { TestServer } from './server.ts';
import { waitUntil } from './waits.ts';

interface ProtocolFrame {
  type: string;
  id?: string;
  payload?: { data?: Record<string, { id?: string; body?: string } | undefined> } & Record<string, unknown>;
}

/**
 * graphql-ws spoken frame by frame over `ws`, for what a well-behaved client
 * never does: reusing ids, racing `complete`, and not reading its socket.
 */
export class RawGraphQLSocket {
  readonly frames: ProtocolFrame[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as ProtocolFrame));
    socket.on('close', (code) => (this.closeCode = code));
  }

  /** A socket that said hello and was acknowledged. */
  static async open(server: Pick<TestServer, 'wsUrl'>, token: string): Promise<RawGraphQLSocket> {
    const raw = await RawGraphQLSocket.connect(server);
    await raw.init(token);
    return raw;
  }

  /** A socket upgraded but silent: the server counts it as nobody's until `init`. */
  static async connect(server: Pick<TestServer, 'wsUrl'>): Promise<RawGraphQLSocket> {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawGraphQLSocket(socket);
  }

  async init(token: string) {
    this.send({ type: 'connection_init', payload: { authToken: token } });
    await waitUntil(() => this.frames.some((frame) => frame.type === 'connection_ack'), 'connection_ack');
  }

  send(frame: Record<string, unknown>) {
    this.socket.send(JSON.stringify(frame));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}) {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  complete(id: string) {
    this.send({ id, type: 'complete' });
  }

  /** The `next` payloads that reached operation `id`. */
  nexts(id: string) {
    return this.frames.filter((frame) => frame.type === 'next' && frame.id === id);
  }

  /** Stops reading from the TCP socket: the server's writes pile up in the kernel, then in its buffers. */
  pause() {
    this.socket.pause();
  }

  resume() {
    this.socket.resume();
  }

  async closed(timeoutMs = 10_000): Promise<number> {
    await waitUntil(() => this.closeCode !== undefined, 'the socket to close', timeoutMs);
    return this.closeCode!;
  }

  close() {
    this.socket.terminate();
  }
}
