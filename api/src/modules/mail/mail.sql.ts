import { statement } from '../../db/sql.ts';

export interface OutgoingMailRow {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  attempts: number;
}

export const insertMail = statement<[recipient: string, subject: string, text: string, expiresAt: Date, now: Date], never>(
  'mail.insert',
  `INSERT INTO outgoing_mail (recipient, subject, text, expires_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5)`,
);

/**
 * Takes up to `limit` due mails for one delivery attempt: their next attempt is pushed to
 * `leaseUntil` first, so another instance (or this one, if it dies mid-send) tries them again
 * only then. SKIP LOCKED: instances never wait for each other.
 */
export const claimDueMail = statement<[now: Date, leaseUntil: Date, limit: number], OutgoingMailRow>(
  'mail.claim',
  `UPDATE outgoing_mail SET next_attempt_at = $2, attempts = attempts + 1
   WHERE id IN (SELECT id FROM outgoing_mail WHERE next_attempt_at <= $1 AND expires_at > $1
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
   RETURNING id::text, recipient, subject, text, attempts`,
);

export const deleteMail = statement<[id: string], never>('mail.delete', 'DELETE FROM outgoing_mail WHERE id = $1');

export const deferMail = statement<[id: string, nextAttemptAt: Date, error: string], never>(
  'mail.defer',
  'UPDATE outgoing_mail SET next_attempt_at = $2, last_error = $3 WHERE id = $1',
);

/** Mail no longer worth sending (a reset link that has expired): dropped, and said so in the log. */
export const dropExpiredMail = statement<[now: Date], { id: string; recipient: string; attempts: number }>(
  'mail.drop-expired',
  'DELETE FROM outgoing_mail WHERE expires_at <= $1 RETURNING id::text, recipient, attempts',
);
