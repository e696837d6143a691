import { describe, expect, it } from 'vitest';
import { connected, signup, subscribeToConversation, wsClient } from './support/clients.ts';
import { ChatSocket } from './support/compat-clients.ts';
import { connectSql } from './support/database.ts';
import { useTestServer } from './support/harness.ts';
import { startMain as startProcess } from './support/main-process.ts';

const harness = useTestServer();

const startMain = async (env: Record<string, string> = {}) => {
  const main = await startProcess(harness.database.url, env);
  harness.defer(main.stop);
  return main;
};

describe('the process', () => {
  it('starts from `main.ts`, says where it listens, and on SIGTERM closes sockets with 1001 and exits 0', async () => {
    const { child, exited, server, port, output: printed } = await startMain();
    const output = printed();
    expect(output).toContain(`http://localhost:${port}`);
    expect(output).toContain('database: external');
    expect(output).toContain('pubsub: in-process');

    const [alice, bob] = await Promise.all([signup(server), signup(server)]);
    const client = wsClient(server, alice.token);
    harness.defer(() => client.dispose());
    await connected(client);
    subscribeToConversation(client, bob.username);
    const closed = new Promise<number>((done) =>
      client.on('closed', (event) => done((event as { code: number }).code)),
    );

    child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
  });

  it('on SIGTERM answers every compat frame it committed before closing: no send is left without its echo', async () => {
    const { child, exited, server } = await startMain();
    const users = await Promise.all(Array.from({ length: 6 }, () => signup(server)));
    const pairs = [0, 2, 4].map((index) => [users[index]!, users[index + 1]!] as const);
    const sockets = await Promise.all(
      pairs.map(([me, peer]) => ChatSocket.open(server, me.username, peer.username, me.token)),
    );
    for (const socket of sockets) harness.defer(() => socket.socket.terminate());

    const FRAMES = 300;
    for (const socket of sockets) {
      for (let index = 0; index < FRAMES; index++) socket.send({ message: `frame ${index}` });
    }
    await sockets[0]!.waitFor(() => sockets[0]!.frames.length >= 20, 'the first echoes');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await Promise.all(sockets.map((socket) => socket.closed()));

    const sql = await connectSql(harness.database.url);
    harness.defer(() => sql.end());
    for (const [index, [me]] of pairs.entries()) {
      const { rows } = await sql.query<{ body: string }>(
        'SELECT body FROM messages JOIN users ON users.id = sender_id WHERE username = $1 ORDER BY seq',
        [me.username],
      );
      const echoed = sockets[index]!.frames.filter((frame) => frame.sender === me.username).map(
        (frame) => frame.message,
      );
      expect(echoed).toEqual(rows.map((row) => row.body));
      // Every frame the server took up was either stored (and echoed) or refused in words.
      const refused = sockets[index]!.frames.filter((frame) => frame.error !== undefined);
      expect(refused.every((frame) => frame.error!.includes('restarting'))).toBe(true);
    }
  }, 60_000);
});
