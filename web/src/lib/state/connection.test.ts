import { describe, expect, it } from 'vitest';
import { Connection } from './connection.svelte.ts';

describe('Connection', () => {
  it('goes connecting → connected → reconnecting → connected, counting reconnects', () => {
    const connection = new Connection();
    expect(connection.status).toBe('connecting');
    connection.opened();
    expect(connection.status).toBe('connected');
    expect(connection.reconnects).toBe(0);
    connection.closed();
    expect(connection.status).toBe('reconnecting');
    connection.opened();
    expect(connection.status).toBe('connected');
    expect(connection.reconnects).toBe(1);
  });

  it('says offline while the browser is offline, whatever the socket', () => {
    const connection = new Connection();
    connection.opened();
    connection.setOnline(false);
    expect(connection.status).toBe('offline');
    connection.setOnline(true);
    expect(connection.status).toBe('connected');
  });
});
