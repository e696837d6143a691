/** A person, as everything that names one carries them. */
export interface UserRef {
  id: number;
  username: string;
}

/** Who is making a request: a user and the session that proves it. */
export interface Viewer extends UserRef {
  sessionId: string;
  /** When the session ends regardless of activity (ms since the epoch). */
  sessionExpiresAt: number;
}
