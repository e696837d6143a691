import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.ts';

/** Debian's nginx unless NGINX_BINARY names another. */
export const NGINX = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';
export const NGINX_CONFIG = resolve(import.meta.dirname, '../../../nginx.conf');
export const nginxInstalled = () => existsSync(NGINX);

/** The checked-in config, pointed at `upstreams` and `port`, with its logs in a scratch prefix. */
export function derivedNginxConfig(prefix: string, port: number, upstreams: string[]): string {
  const config = readFileSync(NGINX_CONFIG, 'utf8')
    .replace(
      /^(\s*)server 127\.0\.0\.1:8001 (.*);\n\s*server 127\.0\.0\.1:8002 .*;$/m,
      (_all, indent: string, options: string) =>
        upstreams.map((upstream) => `${indent}server ${upstream} ${options};`).join('\n'),
    )
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('worker_processes auto;', 'worker_processes 1;')
    .replace('access_log /var/log/nginx/chat.access.log;', `access_log ${prefix}/access.log;`);
  if (!upstreams.every((upstream) => config.includes(`server ${upstream} `))) {
    throw new Error('nginx.conf no longer has the upstream block this derivation rewrites');
  }
  return config;
}

/** The real nginx with the project's config in front of `upstreams` (host:port), until `stop()`. */
export async function startNginx(upstreams: string[]) {
  const prefix = mkdtempSync(join(tmpdir(), 'chat-nginx-'));
  const port = await freePort();
  const config = join(prefix, 'nginx.conf');
  writeFileSync(config, derivedNginxConfig(prefix, port, upstreams));
  const nginx = spawn(
    NGINX,
    ['-p', prefix, '-c', config, '-g', `daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log;`],
    { stdio: 'ignore' },
  );
  // Either ends the wait below with a reason instead of an unhandled error or a timeout.
  let failure: Error | undefined;
  nginx.once('error', (error) => {
    failure = new Error(`cannot run nginx at ${NGINX} (${error.message}): apt-get install -y nginx`, {
      cause: error,
    });
  });
  nginx.once('exit', (code) => {
    failure ??= new Error(`nginx exited with ${code} before it was ready; see ${prefix}/error.log`);
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 10_000;
  for (;;) {
    if (failure) throw failure;
    const ready = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > end) {
      nginx.kill('SIGKILL');
      throw new Error('nginx did not come up');
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    stop: () => void nginx.kill('SIGQUIT'),
  };
}
