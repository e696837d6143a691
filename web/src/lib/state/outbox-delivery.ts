import type { Client, CombinedError } from '@urql/core';
import type { Message } from '../graphql/documents/fragments.ts';
import {
  AddReactionMutation,
  DeleteMessageMutation,
  EditMessageMutation,
  RemoveReactionMutation,
  SendMessageMutation,
} from '../graphql/documents/messages.ts';
import type { ChangeAnswers } from './change-answers.ts';
import { errorText } from './conversation.svelte.ts';
import type { ChangeEntry, OutboxEntry, SendResult } from './outbox.svelte.ts';

const codeOf = (error: CombinedError | undefined) => error?.graphQLErrors[0]?.extensions.code;

/** A failed try in words, and whether the outbox should try it again by itself. */
function sendFailure(error: CombinedError | undefined): SendResult {
  if (!error || error.networkError)
    return { retry: 'No connection. It will be sent when the connection is back.' };
  const code = codeOf(error);
  const reason = errorText(error, 'The server did not take it.');
  if (code === 'UNAUTHENTICATED') return { retry: 'You are signed out. It will be sent after you log in.' };
  if (code === 'RATE_LIMITED' || code === 'UNAVAILABLE')
    return { retry: `${reason} It will be sent again shortly.` };
  return { refused: reason };
}

type Answer = { data?: Record<string, Message> | undefined; error?: CombinedError | undefined };

/** A change's mutation, by what it changes. */
function changeOver(urql: Client, entry: ChangeEntry & { messageId: string }): Promise<Answer> {
  const id = entry.messageId;
  switch (entry.op) {
    case 'edit':
      return urql.mutation(EditMessageMutation, { id, body: entry.body }).toPromise();
    case 'delete':
      return urql.mutation(DeleteMessageMutation, { id }).toPromise();
    case 'react':
      return urql.mutation(AddReactionMutation, { messageId: id, emoji: entry.emoji }).toPromise();
    case 'unreact':
      return urql.mutation(RemoveReactionMutation, { messageId: id, emoji: entry.emoji }).toPromise();
  }
}

/**
 * The outbox's one try at a queued operation, over GraphQL: a send, or a change to a stored
 * message. A try refused as signed out ends the session (`onSignedOut`); the operation stays
 * queued for after the next login. A change's answer that the stream overtook is dropped.
 */
export function deliverOver(
  urql: Client,
  answers: ChangeAnswers,
  onSignedOut: () => void,
): (entry: OutboxEntry) => Promise<SendResult> {
  return async (entry) => {
    let result: Answer;
    if (entry.op === 'send') {
      result = await urql
        .mutation(SendMessageMutation, {
          conversationId: entry.conversationId,
          to: entry.conversationId === null ? entry.to : null,
          body: entry.body,
          clientId: entry.clientId,
          replyTo: entry.replyTo?.id ?? null,
          attachments: entry.attachments ?? null,
        })
        .toPromise();
    } else {
      const messageId = entry.messageId!;
      answers.asking(messageId);
      result = await changeOver(urql, { ...entry, messageId });
      const fresh = answers.answered(messageId);
      if (result.data && !fresh) return { stored: null };
    }
    const stored = result.data && Object.values(result.data)[0];
    if (stored) return { stored };
    if (codeOf(result.error) === 'UNAUTHENTICATED') onSignedOut();
    return sendFailure(result.error);
  };
}
