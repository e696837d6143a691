import WebSocket from 'ws';
import type { TestServer } from './server.ts';

/** A form post as a browser or a bot sends it, without following the redirect. */
export async function postForm(
  server: Pick<TestServer, 'url'>,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return {
    response,
    status: response.status,
    location: response.headers.get('location'),
    text: await response.text(),
  };
}

/** The `sessionid` a response sets, if any. */
export function sessionCookie(response: Response): string | undefined {
  return /sessionid=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
}

export interface ChatFrame {
  message?: string;
  sender?: string;
  receiver?: string;
  id?: string;
  timestamp?: string;
  error?: string;
}

/**
 * A client of the original `/ws/chat/<sender>/<receiver>/` socket, with
 * deadline-bound waits for frames.
 */
export class ChatSocket {
  readonly frames: ChatFrame[] = [];
  closeCode: number | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString()) as ChatFrame);
      this.notify();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
  }

  static open(
    server: Pick<TestServer, 'url'>,
    sender: string,
    receiver: string,
    token: string,
    origin?: string,
  ) {
    const url = `${server.url.replace(/^http/, 'ws')}/ws/chat/${encodeURIComponent(sender)}/${encodeURIComponent(receiver)}/`;
    return new Promise<ChatSocket>((resolve, reject) => {
      const socket = new WebSocket(url, {
        headers: { cookie: `sessionid=${token}`, ...(origin && { origin }) },
      });
      socket.once('open', () => resolve(new ChatSocket(socket)));
      socket.once('unexpected-response', (_request, response) =>
        reject(
          Object.assign(new Error(`upgrade refused: ${response.statusCode}`), {
            status: response.statusCode,
          }),
        ),
      );
      socket.once('error', reject);
    });
  }

  /** The HTTP status a refused upgrade gets. */
  static async refusal(
    server: Pick<TestServer, 'url'>,
    sender: string,
    receiver: string,
    token: string,
    origin?: string,
  ) {
    try {
      const chat = await ChatSocket.open(server, sender, receiver, token, origin);
      chat.close();
      return 101;
    } catch (error) {
      return (error as { status?: number }).status;
    }
  }

  send(frame: unknown) {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  close() {
    this.socket.close();
  }

  private notify() {
    for (const waiter of this.waiters) waiter();
  }

  waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) finish(resolve);
        else if (this.closeCode !== undefined)
          finish(() => reject(new Error(`${what}: socket closed with ${this.closeCode}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${what}: timed out; frames: ${JSON.stringify(this.frames)}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  async messages(count: number) {
    await this.waitFor(
      () => this.frames.filter((frame) => frame.message !== undefined).length >= count,
      `${count} messages`,
    );
    return this.frames.filter((frame) => frame.message !== undefined);
  }

  async errors(count: number) {
    await this.waitFor(
      () => this.frames.filter((frame) => frame.error !== undefined).length >= count,
      `${count} errors`,
    );
    return this.frames.filter((frame) => frame.error !== undefined);
  }

  async closed(): Promise<number> {
    await this.waitFor(() => this.closeCode !== undefined, 'close');
    return this.closeCode!;
  }
}
