// The chat's service worker: only Web Push. It shows a push as a notification (one per
// conversation: a newer one replaces the older), and a click brings the chat to that
// conversation: an open tab is focused and told to open it, else a new tab opens /c/<id>.
// Nothing is cached here: the app itself is always loaded from the server.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

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
