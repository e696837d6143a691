import { mount } from 'svelte';
import App from './App.svelte';
import { createTransport } from './lib/graphql/client.ts';
import { ChatApp } from './lib/state/chat-app.ts';
import { Connection } from './lib/state/connection.svelte.ts';
import { Session } from './lib/state/session.ts';

const toLogin = (why?: string) => {
  const query = new URLSearchParams({ next: window.location.pathname });
  if (why) query.set('why', why);
  window.location.replace(`/login/?${query}`);
};

const connection = new Connection();
const transport = createTransport(connection.retryWait);
const session = new Session(transport, connection, toLogin);
const me = await session.start();
if (me) {
  const app = new ChatApp(session, me);
  await app.start();
  mount(App, { target: document.getElementById('app')!, props: { app, client: transport.urql } });
} else {
  session.stop();
  toLogin();
}
