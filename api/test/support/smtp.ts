import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server (smtp-server) on a local port: it takes every mail, parses it with
 * mailparser, and lets a test wait for one with a deadline. `stop` and `start` again on the
 * same port stand for an SMTP server that goes away and comes back.
 */
export class TestSmtpServer {
  readonly mails: ParsedMail[] = [];
  private server: SMTPServer | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(public port: number) {}

  static async start(port = 0): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer(port);
    await smtp.start();
    return smtp;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.mails.push(mail);
            for (const waiter of this.waiters) waiter();
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The first mail to `to` received after the `seen`th one, within the deadline. */
  waitForMail(to: string, seen = 0, timeoutMs = 10_000): Promise<ParsedMail> {
    const find = () => this.mails.slice(seen).find((mail) => addressesOf(mail).includes(to.toLowerCase()));
    return new Promise((resolve, reject) => {
      const check = () => {
        const mail = find();
        if (!mail) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(mail);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no mail to ${to} within ${timeoutMs} ms (${this.mails.length} received)`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Mails received so far to `to`. */
  mailsTo(to: string): ParsedMail[] {
    return this.mails.filter((mail) => addressesOf(mail).includes(to.toLowerCase()));
  }
}

function addressesOf(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((group) => group.value.map((entry) => (entry.address ?? '').toLowerCase()));
}

/** The reset token in a reset mail's link. */
export function resetToken(mail: ParsedMail): string {
  const match = /\/reset-password\/#token=([\w-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error(`no reset link in: ${mail.text}`);
  return match[1]!;
}
