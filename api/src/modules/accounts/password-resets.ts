import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../db/client.ts';
import { badInput } from '../../domain/errors.ts';
import { validateEmail } from '../../domain/validation.ts';
import type { Background } from '../../lib/background.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { Mailer } from '../mail/mailer.ts';
import { deviceName } from './devices.ts';
import { hashPassword, validatePassword } from './passwords.ts';
import {
  accountsByEmail,
  resetAccount,
  setPasswordHash,
  takeReset,
  upsertReset,
  type ResetAccountRow,
} from './password-resets.sql.ts';
import type { SessionService, SignedIn, SignInClient } from './sessions.ts';

/** How long a reset link works. */
export const RESET_TOKEN_TTL_MS = 30 * 60_000;
/** Accounts sharing one email that a request reaches at most. */
const ACCOUNTS_PER_EMAIL = 10;

const hashToken = (token: string) => createHash('sha256').update(token).digest();

const invalidToken = () => badInput('token', 'This reset link is invalid, used or expired. Ask for a new one.');

/**
 * Password resets by email. A token is 256 random bits, stored only as its SHA-256, works once
 * and for 30 minutes, and a newer request voids it. A request answers the same, in the same
 * time, whether the email has an account or not: everything that depends on it happens after
 * the answer.
 */
export class PasswordResets {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sessions: SessionService,
    private readonly mailer: Mailer,
    private readonly rateLimits: RateLimits,
    private readonly background: Background,
    private readonly options: { publicUrl: () => string; now: () => number },
  ) {}

  async request(rawEmail: string, client: SignInClient & { address: string }): Promise<void> {
    const email = validateEmail(rawEmail);
    await this.rateLimits.consumePasswordResetRequest(client.address);
    this.background(this.mailLinks(email, client), 'mailing password reset links');
  }

  private async mailLinks(email: string, client: SignInClient): Promise<void> {
    const accounts = await accountsByEmail(this.pool, email, ACCOUNTS_PER_EMAIL);
    let queued = false;
    for (const account of accounts) {
      if (!(await this.rateLimits.mayMailPasswordReset(account.id))) continue;
      const token = randomBytes(32).toString('base64url');
      const now = this.options.now();
      const expiresAt = new Date(now + RESET_TOKEN_TTL_MS);
      await inTransaction(this.pool, async (db) => {
        await upsertReset(db, account.id, hashToken(token), expiresAt, new Date(now));
        await this.mailer.enqueue(db, { ...this.mail(account, token, new Date(now), client), expiresAt });
      });
      queued = true;
    }
    if (queued) await this.mailer.deliverSoon();
  }

  private mail(account: ResetAccountRow, token: string, askedAt: Date, client: SignInClient) {
    const link = `${this.options.publicUrl()}/reset-password/#token=${token}`;
    const device = deviceName(client.userAgent ?? null) ?? 'an unknown device';
    const when = askedAt.toISOString().replace('T', ' ').slice(0, 16);
    return {
      to: account.email,
      subject: 'Reset your chat password',
      text: [
        `Someone asked to reset the password of the chat account "${account.username}"`,
        `on ${when} UTC from ${device}${client.address ? ` (address ${client.address})` : ''}.`,
        '',
        'To choose a new password, open this link within 30 minutes:',
        link,
        '',
        'If it was not you, ignore this mail: your password stays as it is.',
      ].join('\n'),
    };
  }

  /** Sets a new password with a token, ends every session of the account, and signs in. */
  async reset(token: string, newPassword: string, client: SignInClient): Promise<SignedIn> {
    if (token.length === 0 || token.length > 100) throw invalidToken();
    const tokenHash = hashToken(token);
    const [account] = await resetAccount(this.pool, tokenHash, new Date(this.options.now()));
    if (!account) throw invalidToken();
    // Checked before the token is used up: a weak password can be corrected with the same link.
    validatePassword(newPassword, account, 'newPassword');
    const passwordHash = await hashPassword(newPassword);
    const ended = await inTransaction(this.pool, async (db) => {
      const [taken] = await takeReset(db, tokenHash, new Date(this.options.now()));
      if (taken?.userId !== account.id) throw invalidToken();
      await setPasswordHash(db, account.id, passwordHash);
      return this.sessions.deleteAllOf(db, account.id, null);
    });
    await this.sessions.announceEnded(ended);
    return this.sessions.start({ id: account.id, username: account.username }, client);
  }

}
