import type pg from 'pg';
import { inTransaction, isUniqueViolation, type Database } from '../../db/client.ts';
import { AppError } from '../../domain/errors.ts';
import type { UserRef, Viewer } from '../../domain/people.ts';
import {
  refuseNul,
  usernameKey,
  usernameSkeleton,
  validateEmail,
  validateNewUsername,
} from '../../domain/validation.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import { hashPassword, validatePassword, verifyPassword } from './passwords.ts';
import { deleteResetOf, setEmail, setPasswordHash } from './password-resets.sql.ts';
import type { SessionService, SignedIn, SignInClient } from './sessions.ts';

export interface SignupInput {
  username: string;
  email: string;
  password: string;
  /** The client's address, for the signups-per-address limit. */
  address: string;
  userAgent?: string | undefined;
}

const invalidCredentials = () => new AppError('UNAUTHENTICATED', 'Invalid username or password.');

/** Sign-up and log-in, shared by GraphQL and the compat pages. */
export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly pool: pg.Pool,
    private readonly sessions: SessionService,
    private readonly rateLimits: RateLimits,
  ) {}

  /** Creates an account and signs it in (GraphQL `signup`). */
  async signup(input: SignupInput): Promise<SignedIn> {
    return this.sessions.start(await this.register(input), input);
  }

  /** Creates an account without signing it in (the compat form, which sends people to log in). */
  async register(input: SignupInput): Promise<UserRef> {
    const username = validateNewUsername(input.username);
    const email = validateEmail(input.email);
    validatePassword(input.password, { username, email });
    await this.rateLimits.consumeSignup(input.address);
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.user.create({
        data: {
          username,
          usernameKey: usernameKey(username),
          usernameSkeleton: usernameSkeleton(username),
          email,
          passwordHash,
        },
        select: { id: true, username: true },
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('CONFLICT', 'A user with that username, or one that looks like it, already exists.', {
          field: 'username',
        });
      }
      throw error;
    }
  }

  /** An unknown user and a wrong password fail alike and take the same time. */
  async login(input: { username: string; password: string } & SignInClient & { address: string }): Promise<SignedIn> {
    refuseNul(input.username, 'username');
    if (input.username.length === 0 || input.username.length > 150) throw invalidCredentials();
    const key = usernameKey(input.username);
    await this.rateLimits.consumeLoginAttempt(key, input.address);
    const user = await this.db.user.findUnique({
      where: { usernameKey: key },
      select: { id: true, username: true, passwordHash: true },
    });
    if (!(await verifyPassword(user?.passwordHash ?? null, input.password)) || !user) {
      throw invalidCredentials();
    }
    await this.rateLimits.recordLoginSuccess(key, input.address);
    return this.sessions.start({ id: user.id, username: user.username }, input);
  }

  /**
   * The viewer's password, asked again before a change that matters; a wrong one is
   * UNAUTHENTICATED and counted by the login limiter like a failed login.
   */
  async confirmPassword(viewer: Viewer, password: string, address: string, field: string) {
    const key = usernameKey(viewer.username);
    await this.rateLimits.consumeLoginAttempt(key, address);
    const user = await this.db.user.findUnique({
      where: { id: viewer.id },
      select: { passwordHash: true, email: true },
    });
    if (!user || !(await verifyPassword(user.passwordHash, password)))
      throw new AppError('UNAUTHENTICATED', 'The password is wrong.', { field });
    await this.rateLimits.recordLoginSuccess(key, address);
    return user;
  }

  /** Needs the password; a pending reset link is voided (it was sent to the old address). */
  async changeEmail(viewer: Viewer, password: string, rawEmail: string, address: string): Promise<void> {
    const email = validateEmail(rawEmail);
    await this.confirmPassword(viewer, password, address, 'password');
    await inTransaction(this.pool, async (db) => {
      await setEmail(db, viewer.id, email);
      await deleteResetOf(db, viewer.id);
    });
  }

  /**
   * Needs the current password, counted by the login limiter like a login; the new one passes
   * the signup rules. Every other session ends, and a pending reset link is voided.
   */
  async changePassword(viewer: Viewer, currentPassword: string, newPassword: string, address: string): Promise<void> {
    const user = await this.confirmPassword(viewer, currentPassword, address, 'currentPassword');
    validatePassword(newPassword, { username: viewer.username, email: user.email }, 'newPassword');
    const passwordHash = await hashPassword(newPassword);
    const ended = await inTransaction(this.pool, async (db) => {
      await setPasswordHash(db, viewer.id, passwordHash);
      await deleteResetOf(db, viewer.id);
      return this.sessions.deleteAllOf(db, viewer.id, viewer.sessionId);
    });
    await this.sessions.announceEnded(ended);
  }
}
