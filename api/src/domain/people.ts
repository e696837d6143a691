/** A person, as everything that names one carries them. */
export interface UserRef {
  id: number;
  username: string;
  /**
   * The name to show, where whoever made this ref read it already (a write reads its sender's, so
   * that delivering the message needs no query); else the `displayName` field loads it.
   */
  displayName?: string;
}

/** Who is making a request: a user and the session that proves it. */
export interface Viewer extends UserRef {
  sessionId: string;
  /** When the session ends regardless of activity (ms since the epoch). */
  sessionExpiresAt: number;
}
