import { mount } from 'svelte';
import App from './App.svelte';
import { createTransport } from './lib/graphql/client.ts';
import { ChatApp } from './lib/state/chat.svelte.ts';

const app = new ChatApp(createTransport());
if (await app.start()) {
  mount(App, { target: document.getElementById('app')!, props: { app } });
} else {
  window.location.assign('/login/?next=/');
}
