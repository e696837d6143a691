import type { Attachment } from 'svelte/attachments';

/** How long a finger rests on a message before its menu opens, as phones do it. */
export const LONG_PRESS_MS = 500;
/** A finger that moves further than this is scrolling, not pressing. */
const SLOP_PX = 10;

/**
 * Calls `onpress` when a finger rests on the element for `delay` ms without moving (touch only:
 * a mouse has hover and a right button). The browser's own long-press menu, and the tap that
 * ends the press, are kept from doing anything else.
 */
export function longPress(onpress: () => void, delay = LONG_PRESS_MS): Attachment<HTMLElement> {
  return (element) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let start: { x: number; y: number } | null = null;
    let pressed = false;
    const cancel = () => {
      clearTimeout(timer);
      start = null;
    };
    const down = (event: PointerEvent) => {
      if (event.pointerType !== 'touch') return;
      pressed = false;
      start = { x: event.clientX, y: event.clientY };
      timer = setTimeout(() => {
        pressed = true;
        start = null;
        onpress();
      }, delay);
    };
    const move = (event: PointerEvent) => {
      if (start && Math.hypot(event.clientX - start.x, event.clientY - start.y) > SLOP_PX) cancel();
    };
    const swallow = (event: Event) => {
      if (!pressed) return;
      event.preventDefault();
      event.stopPropagation();
    };
    const menu = (event: Event) => {
      // A touch long-press fires contextmenu: ours opens instead of the browser's.
      if (start || pressed) event.preventDefault();
    };
    const listeners: Array<[string, EventListener]> = [
      ['pointerdown', down as EventListener],
      ['pointermove', move as EventListener],
      ['pointerup', cancel],
      ['pointercancel', cancel],
      ['contextmenu', menu],
      ['click', swallow],
    ];
    for (const [type, listener] of listeners) element.addEventListener(type, listener, type === 'click');
    return () => {
      cancel();
      for (const [type, listener] of listeners) element.removeEventListener(type, listener, type === 'click');
    };
  };
}
