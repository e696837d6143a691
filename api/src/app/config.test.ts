import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('runs with nothing set: embedded PostgreSQL, in-process pubsub, port 8000', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.GRAPHIQL).toBe(true);
    expect(config.SESSION_IDLE_TIMEOUT).toBe(14 * 86_400_000);
  });

  it('turns GraphiQL and introspection off in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ GRAPHIQL: false, INTROSPECTION: false });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'true' }).GRAPHIQL).toBe(true);
  });

  it('parses lists and durations', () => {
    const config = loadConfig({
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      LOGIN_FAILURE_WINDOW: '90s',
    });
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.LOGIN_FAILURE_WINDOW).toBe(90_000);
  });

  it('reports every bad variable at once', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SESSION_MAX_AGE: 'forever' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*SESSION_MAX_AGE/);
  });
});
