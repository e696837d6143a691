/**
 * `npm run bench:costs`: what one instance asks of PostgreSQL and Redis per
 * message, counted rather than read off the code: PostgreSQL through a
 * counting proxy (statements and round trips, see pg-counter.ts), Redis with
 * MONITOR on this run's key prefix. Sends one at a time, waits for every
 * delivery, and prints a table per send (docs/scaling.md quotes it), with
 * the server's CPU time (user + system, from /proc) per send beside it: one
 * send at a time, each pays the wake-ups a loaded server shares out among many
 * (the CPU column of `npm run bench` is the figure under load).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../api/test/support/ports.ts';
import { createBenchDatabase, seedPeople } from './lib/database.ts';
import { startPgCounter } from './lib/pg-counter.ts';
import { cpuMs, startChatServer } from './lib/processes.ts';
import type { Account } from './lib/protocol.ts';
import { browserAgent, graphqlEndpoint, postGraphQL, type Endpoint, type SendTarget } from './lib/targets.ts';

const SENDS = 100;
const WARM_UP = 100;
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const database = await createBenchDatabase(serverUrl);
const prefix = `chat-costs-${randomBytes(3).toString('hex')}:`;
const { hostname, port } = new URL(database.url);
const counter = await startPgCounter({ host: hostname, port: Number(port || 5432) });
const viaCounter = new URL(database.url);
viaCounter.port = String(counter.port);
const server = await startChatServer(await freePort(), {
  DATABASE_URL: viaCounter.toString(),
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: prefix,
  SENDS_PER_USER_BURST: '1000000',
  SENDS_PER_USER_PER_MINUTE: '100000000',
});
const redisCommands = new Map<string, number>();
// MONITOR takes a connection of its own; the client it came from is closed with it, or the process would not exit.
const redis = new Redis(redisUrl);
const monitor = await redis.monitor();
monitor.on('monitor', (_time: string, args: string[]) => {
  if (!args.slice(1).some((arg) => arg.startsWith(prefix))) return;
  const command = args[0]!.toUpperCase();
  redisCommands.set(command, (redisCommands.get(command) ?? 0) + 1);
});

let heard = 0;
const endpoints: Endpoint[] = [];
const connect = async (people: Account[], via: 'http' | 'socket') => {
  const opened = await Promise.all(
    people.map((person) => graphqlEndpoint(server.url, person, via, () => heard++, { count: 0 })),
  );
  endpoints.push(...opened);
  return opened;
};
const until = async (done: () => boolean) => {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('deliveries did not arrive');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
/** Sends `SENDS` messages one after another, each delivered `fanout` times, and returns the counts per send. */
const measure = async (from: Endpoint, target: SendTarget, fanout: number, label: string) => {
  const key = `${label.length}-${Date.now()}`;
  const send = async (index: number) => {
    const before = heard;
    if (!(await from.send(target, `${key}:${index}`, `${key}-${index}`)))
      throw new Error(`${label}: send refused`);
    await until(() => heard - before >= fanout);
  };
  // Warm: caches, prepared plans, and the JIT (whose compiling would count as the server's CPU).
  for (let index = 0; index < WARM_UP; index++) await send(-1 - index);
  await new Promise((resolve) => setTimeout(resolve, 200));
  counter.take();
  redisCommands.clear();
  const cpuBefore = cpuMs(server.pid);
  for (let index = 0; index < SENDS; index++) await send(index);
  const cpu = cpuMs(server.pid) - cpuBefore;
  await new Promise((resolve) => setTimeout(resolve, 200));
  return row(label, counter.take(), cpu);
};
/** One row of the table: the counts and the server's CPU time over `SENDS` requests, per request. */
const row = (label: string, pg: { statements: number; roundTrips: number }, cpu: number) => {
  const per = (count: number) => (count / SENDS).toFixed(2);
  return {
    label,
    statements: per(pg.statements),
    roundTrips: per(pg.roundTrips),
    redis: [...redisCommands].map(([command, count]) => `${command} ${per(count)}`).join(', ') || '–',
    cpu: per(cpu),
  };
};

try {
  const [alice, bob, ...group] = await seedPeople(database.sql, `k${prefix.slice(11, 17)}x`, 102);
  const rows = [];
  const [aliceHttp] = await connect([alice!], 'http');
  await connect([bob!], 'http');
  rows.push(
    await measure(aliceHttp!, { to: bob!.username }, 1, '1:1 over HTTP, by conversationId (the web client, socket down)'),
  );
  const [aliceSocket] = await connect([alice!], 'socket');
  // Alice has two sockets now, each with `events`: her own copies are not counted as deliveries.
  rows.push(await measure(aliceSocket!, { to: bob!.username }, 1, '1:1 over graphql-ws, by conversationId (the web client)'));

  const agent = browserAgent();
  const created = await postGraphQL(agent, server.url, group[0]!, {
    query: 'mutation ($m: [String!]!) { createGroup(title: "costs", members: $m) { id } }',
    variables: { m: group.slice(1).map((member) => member.username) },
  });
  const conversationId = (created.data?.createGroup as { id: string }).id;
  const online = await connect(group.slice(0, 50), 'http');
  rows.push(
    await measure(
      online[0]!,
      { conversationId },
      49,
      'group of 100 (50 online), sendMessage(conversationId:)',
    ),
  );

  counter.take();
  redisCommands.clear();
  const cpuBefore = cpuMs(server.pid);
  for (let index = 0; index < SENDS; index++)
    await postGraphQL(agent, server.url, alice!, { query: '{ __typename }' });
  const cpu = cpuMs(server.pid) - cpuBefore;
  rows.push(row('`{ __typename }` over HTTP (the per-request floor)', counter.take(), cpu));
  agent.destroy();

  console.log(
    '| per request | PostgreSQL statements | PostgreSQL round trips | Redis commands | server CPU ms |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const { label, statements, roundTrips, redis, cpu } of rows)
    console.log(`| ${label} | ${statements} | ${roundTrips} | ${redis} | ${cpu} |`);
} finally {
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  monitor.disconnect();
  redis.disconnect();
  await server.stop();
  await counter.close();
  await database.drop();
}
