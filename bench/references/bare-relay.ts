import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor under any chat server: a WebSocket relay with no GraphQL, no
 * database and no checks. `ws://host:port/?user=NAME`; frames `{"to","body"}`
 * are forwarded as `{"from","body"}`. `beforeRelay` runs first when given
 * (pg-relay.ts INSERTs the message there).
 */
export async function startRelay(
  port: number,
  beforeRelay?: (from: string, to: string, body: string) => Promise<void>,
) {
  const sockets = new Map<string, WebSocket>();
  const server = new WebSocketServer({ port, host: '127.0.0.1' });
  server.on('connection', (socket, request) => {
    const user = new URL(request.url ?? '/', 'http://relay').searchParams.get('user') ?? '';
    sockets.set(user, socket);
    socket.on('close', () => sockets.delete(user));
    socket.on('message', (data: Buffer) => {
      const { to, body } = JSON.parse(data.toString()) as { to: string; body: string };
      const relay = () => sockets.get(to)?.send(JSON.stringify({ from: user, body }));
      // A message that could not be stored is not relayed (its sender's client counts it lost).
      if (beforeRelay) beforeRelay(user, to, body).then(relay, () => undefined);
      else relay();
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await startRelay(Number(process.env.PORT));
  console.log('ready');
}
