/** The tab's icon: the app's own, or with a red dot and the unread count while the tab is hidden. */
export function showUnreadOnIcon(count: number, browser: Document = document) {
  const link = browser.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) return;
  if (count === 0) {
    link.href = '/favicon.svg';
    return;
  }
  const canvas = browser.createElement('canvas');
  canvas.width = canvas.height = 64;
  const context = canvas.getContext('2d');
  if (!context) return;
  const gradient = context.createLinearGradient(0, 0, 64, 64);
  gradient.addColorStop(0, '#667eea');
  gradient.addColorStop(1, '#764ba2');
  context.fillStyle = gradient;
  context.beginPath();
  context.roundRect(0, 0, 64, 64, 14);
  context.fill();
  context.fillStyle = '#d92d20';
  context.beginPath();
  context.arc(42, 22, 22, 0, 2 * Math.PI);
  context.fill();
  context.fillStyle = '#fff';
  context.font = 'bold 26px system-ui, sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(count > 99 ? '99' : String(count), 42, 23);
  link.href = canvas.toDataURL('image/png');
}
