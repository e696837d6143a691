import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts what the clients through it
 * ask for, from the frontend protocol: each Execute is a statement run with
 * the extended protocol, each Query a simple-protocol one (BEGIN, COMMIT…),
 * and each Sync or Query one round trip the client waits on.
 */
export async function startPgCounter(target: { host: string; port: number }) {
  const counts = { statements: 0, roundTrips: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    let pending = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // The startup message has no type byte; every later one is a type byte and a length.
      for (;;) {
        const headerLength = started ? 5 : 4;
        if (pending.length < headerLength) break;
        const length = pending.readUInt32BE(started ? 1 : 0) + (started ? 1 : 0);
        if (pending.length < length) break;
        if (started) {
          const type = String.fromCharCode(pending[0]!);
          if (type === 'E' || type === 'Q') counts.statements++;
          if (type === 'S' || type === 'Q') counts.roundTrips++;
        }
        started = true;
        pending = pending.subarray(length);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    /** The counts so far, then zero. */
    take() {
      const taken = { ...counts };
      counts.statements = 0;
      counts.roundTrips = 0;
      return taken;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
