/** The failures a client is expected to handle; each maps to one GraphQL code and one HTTP status. */
export const errorCodes = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  /** A resume cursor older than the resume window, or one this user's streams never held: start over. */
  CURSOR_EXPIRED: 410,
  /** A search cut at its time limit (SEARCH_TIMEOUT): nothing is wrong with it, it asked too much. */
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For BAD_USER_INPUT: the argument at fault. For RATE_LIMITED: seconds until a retry may pass. */
    readonly details: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }

  get httpStatus(): number {
    return errorCodes[this.code];
  }
}

export const badInput = (field: string, message: string) =>
  new AppError('BAD_USER_INPUT', message, { field });
export const unauthenticated = () => new AppError('UNAUTHENTICATED', 'You need to log in.');

/** To someone who is not a member a conversation does not exist: the same answer either way. */
export const noSuchConversation = (field = 'conversationId') =>
  new AppError('NOT_FOUND', 'There is no such conversation.', { field });
