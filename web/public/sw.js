// The chat's service worker. Web Push: a push shows as a notification (one per conversation: a
// newer one replaces the older), and a click brings the chat to that conversation: an open tab is
// focused and told to open it, else a new tab opens /c/<id>.
// The app shell offline: the chat's page (/ and /c/<id>) comes from the network when it answers
// and is kept, with the built files it names; when the network fails, the kept copy is shown.
// The built files (/assets/, named by their content) come from the cache once kept there.
// Nothing else is cached: the login and signup pages, the API and files always go to the server.

const SHELL_CACHE = 'chat-shell-v1';
const SHELL = '/';

self.addEventListener('install', (event) => {
  self.skipWaiting();
  // The shell is kept at once, not only on the next visit (a page is open: the person is signed in).
  event.waitUntil(
    fetch(SHELL)
      .then(keepShell)
      .catch(() => undefined),
  );
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname.startsWith('/c/')))
    event.respondWith(chatPage(event));
  else if (url.pathname.startsWith('/assets/')) event.respondWith(builtFile(request));
});

async function chatPage(event) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (offline) {
    const kept = await (await caches.open(SHELL_CACHE)).match(SHELL);
    if (kept) return kept;
    throw offline;
  }
  event.waitUntil(keepShell(response.clone()).catch(() => undefined));
  return response;
}

/**
 * The chat's page as the server sent it (not a redirect to log in) and the built files it names.
 * A new build's page replaces the old one, and the old build's files go (the parts loaded only
 * when used, such as the emoji picker, are kept again when they are).
 */
async function keepShell(response) {
  if (!response.ok || response.redirected) return;
  const html = await response.clone().text();
  const cache = await caches.open(SHELL_CACHE);
  const before = await cache.match(SHELL);
  if (before && (await before.text()) === html) return;
  const files = [...new Set(html.match(/\/assets\/[^"'\s>]+/g) ?? [])];
  await cache.addAll(files);
  await cache.put(SHELL, response);
  for (const kept of await cache.keys()) {
    const path = new URL(kept.url).pathname;
    if (path.startsWith('/assets/') && !files.includes(path)) await cache.delete(kept);
  }
}

async function builtFile(request) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('push', (event) => {
  let push;
  try {
    push = event.data.json();
  } catch {
    return;
  }
  if (typeof push?.conversationId !== 'string') return;
  event.waitUntil(
    self.registration.showNotification(String(push.title ?? 'Chat'), {
      body: String(push.body ?? ''),
      icon: '/icon-192.png',
      badge: '/icon-192.png',
      tag: `conversation-${push.conversationId}`,
      renotify: true,
      data: { conversationId: push.conversationId },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = event.notification.data?.conversationId;
  if (typeof id !== 'string') return;
  const opened = openConversation(id);
  // A click the browser dispatched keeps the worker alive until the tab is there.
  if (event.isTrusted) event.waitUntil(opened);
});

async function openConversation(id) {
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs.find((client) => new URL(client.url).origin === self.location.origin);
  if (tab) {
    tab.postMessage({ type: 'open-conversation', conversationId: id });
    await tab.focus();
    return;
  }
  await self.clients.openWindow(`/c/${encodeURIComponent(id)}`);
}
