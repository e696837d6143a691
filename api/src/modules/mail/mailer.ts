import nodemailer from 'nodemailer';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../../db/client.ts';
import type { Background } from '../../lib/background.ts';
import { claimDueMail, deferMail, deleteMail, dropExpiredMail, insertMail } from './mail.sql.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Not sent after this (a link in it has expired by then). */
  expiresAt: Date;
}

/** How mail leaves: SMTP, or the log when no SMTP server is configured. */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: Omit<Mail, 'expiresAt'>): Promise<void>;
  close(): void;
}

/** Mails sent per delivery pass; a pass repeats while it finds a full batch. */
const BATCH = 20;
/** How long a claimed mail is left to its sender before another pass may try it again. */
const LEASE_MS = 2 * 60_000;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 5 * 60_000;

/** SMTP through nodemailer, with timeouts, so that a server that hangs fails a send instead of holding it. */
export function smtpTransport(url: string, from: string): MailTransport {
  const options = new URL(url);
  const transporter = nodemailer.createTransport(
    {
      host: options.hostname,
      port: Number(options.port) || (options.protocol === 'smtps:' ? 465 : 587),
      secure: options.protocol === 'smtps:',
      ...(options.username && {
        auth: { user: decodeURIComponent(options.username), pass: decodeURIComponent(options.password) },
      }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    },
    { from },
  );
  return {
    kind: 'smtp',
    send: async (mail) => void (await transporter.sendMail(mail)),
    close: () => transporter.close(),
  };
}

/** Without SMTP_URL: the mail, link included, goes to the server's log for whoever runs it. */
export function logTransport(log: Logger): MailTransport {
  return {
    kind: 'log',
    send: (mail) => {
      log.info({ mail }, `mail to ${mail.to} (no SMTP_URL set, so written here): ${mail.subject}`);
      return Promise.resolve();
    },
    close: () => {},
  };
}

/**
 * A durable outbox: mail is a row written in the transaction that asks for it, so it is neither
 * lost when the SMTP server is down (at start or later) nor sent for a change that rolled back.
 * Deliveries are retried with growing waits and failures logged; the server never waits on SMTP.
 */
export class Mailer {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly transport: MailTransport,
    private readonly log: Logger,
    private readonly background: Background,
    private readonly now: () => number,
  ) {}

  /** Queues a mail in `db` (the caller's transaction); `deliverSoon` after the commit sends it. */
  async enqueue(db: Queryable, mail: Mail): Promise<void> {
    await insertMail(db, mail.to, mail.subject, mail.text, mail.expiresAt, new Date(this.now()));
  }

  /** Runs a delivery pass now (or right after the one in progress). */
  deliverSoon(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.deliverDue().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.background(this.deliverSoon(), 'delivering mail');
      }
    });
    return this.running;
  }

  private async deliverDue(): Promise<void> {
    const now = this.now();
    for (const dropped of await dropExpiredMail(this.pool, new Date(now)))
      this.log.warn({ mailId: dropped.id, attempts: dropped.attempts }, 'mail expired before it could be sent; dropped');
    for (;;) {
      const due = await claimDueMail(this.pool, new Date(now), new Date(now + LEASE_MS), BATCH);
      for (const mail of due) {
        try {
          await this.transport.send({ to: mail.recipient, subject: mail.subject, text: mail.text });
          await deleteMail(this.pool, mail.id);
        } catch (error) {
          const waitMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (mail.attempts - 1));
          this.log.warn({ err: error, mailId: mail.id, attempts: mail.attempts, retryInMs: waitMs }, 'mail not sent; will retry');
          await deferMail(this.pool, mail.id, new Date(this.now() + waitMs), String(error).slice(0, 500));
        }
      }
      if (due.length < BATCH) return;
    }
  }

  /** Delivers what is due every `intervalMs` (retries, and mail another instance queued); stop waits for a pass. */
  start(intervalMs: number): () => Promise<void> {
    const deliver = () => this.background(this.deliverSoon(), 'delivering mail');
    const timer = setInterval(deliver, intervalMs).unref();
    deliver();
    return async () => {
      clearInterval(timer);
      this.again = false;
      await this.running?.catch(() => {});
      this.transport.close();
    };
  }
}
