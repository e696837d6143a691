import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type pg from 'pg';
import type { Database } from '../../db/client.ts';
import { AppError, badInput } from '../../domain/errors.ts';
import type { UserRef, Viewer } from '../../domain/people.ts';
import { refuseInvisibleControls, usernameKey } from '../../domain/validation.ts';
import {
  credentialById,
  deletePasskey,
  insertChallenge,
  insertPasskey,
  markUsed,
  passkeysOf,
  renamePasskey,
  sweepChallenges,
  takeChallenge,
  type PasskeyRow,
} from './passkeys.sql.ts';
import type { SessionService, SignedIn, SignInClient } from './sessions.ts';

/** How long a challenge can be answered. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_PASSKEYS = 20;
const MAX_NAME = 64;

const badResponse = () => badInput('response', 'This passkey response is not valid. Try again.');
const failedSignIn = () => new AppError('UNAUTHENTICATED', 'This passkey could not sign you in.');
const noSuchPasskey = () => new AppError('NOT_FOUND', 'There is no such passkey.', { field: 'id' });
const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** A passkey name as given, trimmed ('' when blank); longer than 64 characters is BAD_USER_INPUT. */
function passkeyName(raw: string): string {
  const name = refuseInvisibleControls(raw, 'name').trim();
  if (Array.from(name).length > MAX_NAME) throw badInput('name', `A passkey name can be at most ${MAX_NAME} characters.`);
  return name;
}

/** The challenge a browser signed, from its clientDataJSON, or null when the response is malformed. */
function signedChallenge(response: unknown): string | null {
  try {
    const clientData = (response as { response?: { clientDataJSON?: unknown } }).response?.clientDataJSON;
    if (typeof clientData !== 'string' || clientData.length > 4096) return null;
    const parsed = JSON.parse(Buffer.from(clientData, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && parsed.challenge.length <= 200 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: several per account, named; sign-in with or
 * without the username (discoverable credentials). The relying party is PUBLIC_URL's host and
 * origin. Every challenge is stored, single-use, and expires in 5 minutes; the library checks
 * the signature, origin, relying party and signature counter.
 */
export class PasskeyService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Database,
    private readonly sessions: SessionService,
    private readonly options: { publicUrl: () => string; now: () => number },
  ) {}

  private get relyingParty() {
    const url = new URL(this.options.publicUrl());
    return { id: url.hostname, origin: url.origin };
  }

  private async newChallenge(challenge: string, userId: number | null) {
    const now = this.options.now();
    await sweepChallenges(this.pool, new Date(now));
    await insertChallenge(this.pool, challenge, userId, new Date(now + CHALLENGE_TTL_MS));
  }

  /** Takes the challenge the response signed, if it was handed out to `userId` (null: a sign-in) and is live. */
  private async takeChallenge(response: unknown, userId: number | null): Promise<string> {
    const challenge = signedChallenge(response);
    if (challenge === null) throw badResponse();
    const [taken] = await takeChallenge(this.pool, challenge, userId, new Date(this.options.now()));
    if (!taken) throw badInput('response', 'This passkey request has expired or was used. Try again.');
    return challenge;
  }

  list(userId: number): Promise<PasskeyRow[]> {
    return passkeysOf(this.pool, userId);
  }

  async registrationOptions(viewer: UserRef & { displayName?: string }) {
    const existing = await passkeysOf(this.pool, viewer.id);
    if (existing.length >= MAX_PASSKEYS) throw badInput('response', `An account can have at most ${MAX_PASSKEYS} passkeys.`);
    const options = await generateRegistrationOptions({
      rpName: 'Chat',
      rpID: this.relyingParty.id,
      userName: viewer.username,
      userID: new TextEncoder().encode(String(viewer.id)),
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as AuthenticatorTransport[],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      timeout: CHALLENGE_TTL_MS,
    });
    await this.newChallenge(options.challenge, viewer.id);
    return options;
  }

  async register(viewer: Viewer, response: unknown, rawName: string | null | undefined, fallbackName: string): Promise<PasskeyRow> {
    const name = passkeyName(rawName ?? '') || fallbackName;
    const challenge = await this.takeChallenge(response, viewer.id);
    const { id, origin } = this.relyingParty;
    const verification = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: id,
      requireUserVerification: false,
    }).catch(() => null);
    if (!verification?.verified) throw badResponse();
    const { credential } = verification.registrationInfo;
    try {
      const [row] = await insertPasskey(
        this.pool,
        viewer.id,
        credential.id,
        Buffer.from(credential.publicKey),
        credential.counter,
        credential.transports ?? [],
        name,
      );
      return row!;
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new AppError('CONFLICT', 'This passkey is registered already.', { field: 'response' });
      throw error;
    }
  }

  async remove(viewer: Viewer, id: string): Promise<void> {
    const [removed] = isUuid(id) ? await deletePasskey(this.pool, viewer.id, id) : [];
    if (!removed) throw noSuchPasskey();
  }

  /** Renames one of the viewer's passkeys (1–64 characters); another person's is NOT_FOUND. */
  async rename(viewer: Viewer, id: string, rawName: string): Promise<PasskeyRow> {
    const name = passkeyName(rawName);
    if (!name) throw badInput('name', 'A passkey name cannot be empty.');
    const [renamed] = isUuid(id) ? await renamePasskey(this.pool, viewer.id, id, name) : [];
    if (!renamed) throw noSuchPasskey();
    return renamed;
  }

  /** With a username, its passkeys are offered; without, the browser offers the discoverable ones it holds. */
  async loginOptions(username: string | null | undefined) {
    let allowCredentials: Array<{ id: string; transports: AuthenticatorTransport[] }> | undefined;
    if (username) {
      refuseInvisibleControls(username, 'username');
      const user = username.length <= 150
        ? await this.db.user.findUnique({ where: { usernameKey: usernameKey(username), deletedAt: null }, select: { id: true } })
        : null;
      allowCredentials = user
        ? (await passkeysOf(this.pool, user.id)).map((passkey) => ({
            id: passkey.credentialId,
            transports: passkey.transports as AuthenticatorTransport[],
          }))
        : [];
    }
    const options = await generateAuthenticationOptions({
      rpID: this.relyingParty.id,
      allowCredentials,
      userVerification: 'preferred',
      timeout: CHALLENGE_TTL_MS,
    });
    await this.newChallenge(options.challenge, null);
    return options;
  }

  async login(response: unknown, client: SignInClient): Promise<SignedIn> {
    const challenge = await this.takeChallenge(response, null);
    const credentialId = (response as { id?: unknown }).id;
    if (typeof credentialId !== 'string' || credentialId.length > 1024) throw badResponse();
    const [stored] = await credentialById(this.pool, credentialId);
    if (!stored) throw failedSignIn();
    const { id, origin } = this.relyingParty;
    const verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: id,
      credential: {
        id: stored.credentialId,
        publicKey: new Uint8Array(stored.publicKey),
        counter: Number(stored.counter),
        transports: stored.transports,
      },
      requireUserVerification: false,
    }).catch(() => null);
    if (!verification?.verified) throw failedSignIn();
    await markUsed(this.pool, stored.id, verification.authenticationInfo.newCounter, new Date(this.options.now()));
    return this.sessions.start({ id: stored.userId, username: stored.username }, client);
  }
}
