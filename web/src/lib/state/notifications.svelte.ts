import type { Client, CombinedError } from '@urql/core';
import { background } from '../background.ts';
import type { VariablesOf } from 'gql.tada';
import {
  MuteMutation,
  PushPublicKeyQuery,
  RegisterPushMutation,
  ReportActivityMutation,
  SetNotificationLevelMutation,
  UnmuteMutation,
  UnregisterPushMutation,
} from '../graphql/documents/notifications.ts';
import type { ConversationSummary } from '../graphql/documents/fragments.ts';
import type { ChatList } from './chat-list.svelte.ts';
import { errorText } from './conversation.svelte.ts';

/** Whether this browser gets pushes: it cannot, it may be asked, it refused, or it does. */
export type PushStatus = 'unsupported' | 'off' | 'denied' | 'on';

export type NotificationLevel = VariablesOf<typeof SetNotificationLevelMutation>['level'];

/** While a tab is shown and focused it says so this often: the server keeps pushes away for 60 s after. */
const ACTIVE_REPORT_MS = 30_000;
const SERVICE_WORKER = '/sw.js';
/** Set once the hint after a first message was answered, either way: it is never offered again. */
const HINT_ANSWERED = 'chat:notification-hint';

/**
 * Web Push for this browser (the service worker `/sw.js` shows the pushes), the activity reports
 * that keep pushes away while a tab shows the chat, and each conversation's mute and level.
 */
export class Notifications {
  #status = $state<PushStatus>('unsupported');
  #error = $state<string | null>(null);
  #hint = $state(false);

  constructor(
    private readonly urql: Client,
    private readonly list: ChatList,
    private readonly browser: Window & typeof globalThis = window,
  ) {
    this.#status = supported(browser) ? (browser.Notification.permission === 'denied' ? 'denied' : 'off') : 'unsupported';
  }

  get status() {
    return this.#status;
  }

  /** Why the last change did not work, in words. */
  get error() {
    return this.#error;
  }

  /** Whether to offer "Turn on notifications" beside the composer. */
  get hint() {
    return this.#hint;
  }

  /** A message was sent: the first time, while pushes are off but may be asked for, they are offered. */
  sent() {
    if (this.#status === 'off' && this.browser.localStorage.getItem(HINT_ANSWERED) === null) this.#hint = true;
  }

  /** The hint's answer, remembered by this browser; only "yes" asks the browser for permission. */
  async answerHint(turnOn: boolean): Promise<void> {
    this.browser.localStorage.setItem(HINT_ANSWERED, turnOn ? 'on' : 'not now');
    if (turnOn) await this.enable();
    // It stays while it has something to say: why turning on did not work.
    this.#hint = this.#error !== null;
  }

  /**
   * Finds out whether this browser is subscribed already, reports activity as the tab is shown,
   * focused or hidden, and opens what a notification's click asks for. Returns the stop.
   */
  start(open: (conversationId: string) => void): () => void {
    const { document } = this.browser;
    const report = () => {
      const active = document.visibilityState === 'visible' && document.hasFocus();
      background(this.urql.mutation(ReportActivityMutation, { active }).toPromise(), 'Reporting activity');
    };
    const heartbeat = setInterval(() => {
      if (document.visibilityState === 'visible' && document.hasFocus()) report();
    }, ACTIVE_REPORT_MS);
    document.addEventListener('visibilitychange', report);
    this.browser.addEventListener('focus', report);
    this.browser.addEventListener('blur', report);
    report();
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: string; conversationId?: unknown } | null;
      if (data?.type === 'open-conversation' && typeof data.conversationId === 'string') open(data.conversationId);
    };
    const workers = supported(this.browser) ? this.browser.navigator.serviceWorker : null;
    workers?.addEventListener('message', onMessage);
    if (workers)
      background(
        workers.getRegistration(SERVICE_WORKER).then(async (registration) => {
          if (registration && (await registration.pushManager.getSubscription())) this.#status = 'on';
        }),
        'Finding this browser’s push subscription',
      );
    return () => {
      clearInterval(heartbeat);
      document.removeEventListener('visibilitychange', report);
      this.browser.removeEventListener('focus', report);
      this.browser.removeEventListener('blur', report);
      workers?.removeEventListener('message', onMessage);
    };
  }

  /** Asks for permission (only now, after the person chose it), subscribes and registers with the server. */
  async enable(): Promise<void> {
    this.#error = null;
    if (!supported(this.browser)) return;
    const permission = await this.browser.Notification.requestPermission();
    if (permission !== 'granted') {
      this.#status = permission === 'denied' ? 'denied' : 'off';
      return;
    }
    try {
      const registration = await this.browser.navigator.serviceWorker.register(SERVICE_WORKER, { scope: '/' });
      const key = await this.urql.query(PushPublicKeyQuery, {}).toPromise();
      if (!key.data) throw new Error(errorText(key.error, 'The server has no push key.'));
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key.data.pushPublicKey,
      });
      const json = subscription.toJSON();
      const registered = await this.urql
        .mutation(RegisterPushMutation, {
          endpoint: subscription.endpoint,
          p256dh: json.keys?.p256dh ?? '',
          auth: json.keys?.auth ?? '',
        })
        .toPromise();
      if (!registered.data) {
        await subscription.unsubscribe();
        throw new Error(errorText(registered.error, 'The server did not take this browser’s subscription.'));
      }
      this.#status = 'on';
    } catch (error) {
      this.#error = `Notifications could not be turned on: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Stops pushes to this browser. */
  async disable(): Promise<void> {
    this.#error = null;
    if (!supported(this.browser)) return;
    const registration = await this.browser.navigator.serviceWorker.getRegistration(SERVICE_WORKER);
    const subscription = await registration?.pushManager.getSubscription();
    if (subscription) {
      await this.urql.mutation(UnregisterPushMutation, { endpoint: subscription.endpoint }).toPromise();
      await subscription.unsubscribe();
    }
    this.#status = 'off';
  }

  /** Mutes for `hours`, or until unmuted when null. */
  async mute(conversationId: string, hours: number | null): Promise<string | null> {
    const until = hours === null ? null : new Date(Date.now() + hours * 3_600_000).toISOString();
    const result = await this.urql.mutation(MuteMutation, { conversationId, until }).toPromise();
    return this.#took(result.data?.muteConversation, result.error);
  }

  async unmute(conversationId: string): Promise<string | null> {
    const result = await this.urql.mutation(UnmuteMutation, { conversationId }).toPromise();
    return this.#took(result.data?.unmuteConversation, result.error);
  }

  async setLevel(conversationId: string, level: NotificationLevel): Promise<string | null> {
    const result = await this.urql.mutation(SetNotificationLevelMutation, { conversationId, level }).toPromise();
    return this.#took(result.data?.setNotificationLevel, result.error);
  }

  /** The conversation as the server now has it, into the list; or why not, in words. */
  #took(summary: ConversationSummary | undefined, error: CombinedError | undefined): string | null {
    if (!summary) return errorText(error, 'That did not work.');
    this.list.upsert(summary);
    return null;
  }
}

function supported(browser: Window & typeof globalThis): boolean {
  return 'Notification' in browser && 'serviceWorker' in browser.navigator && 'PushManager' in browser;
}
