import { mount } from 'svelte';
import App from './App.svelte';
import { createTransport } from './lib/graphql/client.ts';
import { ChatApp } from './lib/state/chat.svelte.ts';

const toLogin = (why?: string) => {
  const query = new URLSearchParams({ next: window.location.pathname });
  if (why) query.set('why', why);
  window.location.replace(`/login/?${query}`);
};

const app = new ChatApp(createTransport(), toLogin);
if (await app.start()) {
  mount(App, { target: document.getElementById('app')!, props: { app } });
} else {
  app.stop();
  toLogin();
}
