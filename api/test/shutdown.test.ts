import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connected, signup, subscribeToConversation, wsClient } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';
import { freePort } from './support/ports.ts';

const harness = useTestServer();

describe('the process', () => {
  it('starts from `main.ts`, says where it listens, and on SIGTERM closes sockets with 1001 and exits 0', async () => {
    const port = await freePort();
    // The zero-setup default: no REDIS_URL, whatever the machine running the tests exports.
    const inherited = { ...process.env };
    delete inherited.REDIS_URL;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '../src/main.ts')],
      {
        env: {
          ...inherited,
          DATABASE_URL: harness.database.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    harness.defer(() => child.kill('SIGKILL'));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let output = '';
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`no start banner in time:\n${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('chat listening on')) {
          clearTimeout(timer);
          ready();
        }
      });
    });
    expect(output).toContain(`http://localhost:${port}`);
    expect(output).toContain('database: external');
    expect(output).toContain('pubsub: in-process');

    const server = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
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
});
