import type { AnyVariables, Client, OperationResult, TypedDocumentNode } from '@urql/core';
import {
  AddMembersMutation,
  CreateGroupMutation,
  RemoveMemberMutation,
  RenameConversationMutation,
} from '../graphql/documents/conversations.ts';
import type { User } from '../graphql/documents/fragments.ts';
import { errorText } from './conversation.svelte.ts';
import type { Inbox } from './inbox.svelte.ts';

/** What a group action answers: null when it worked, else why not, in words. */
export type ActionResult = string | null;

/** Making a group, its owner's changes to it (add, remove, rename), and leaving it; the list shows each answer. */
export class GroupActions {
  constructor(
    private readonly urql: Client,
    private readonly me: User,
    private readonly inbox: Inbox,
  ) {}

  /** Creates the group and opens it. */
  async create(title: string, members: string[]): Promise<ActionResult> {
    const result = await this.#run(CreateGroupMutation, { title, members });
    if (typeof result === 'string') return result;
    this.inbox.list.upsert(result.createGroup);
    this.inbox.open({ id: result.createGroup.id });
    return null;
  }

  async addMembers(conversationId: string, usernames: string[]): Promise<ActionResult> {
    const result = await this.#run(AddMembersMutation, { conversationId, usernames });
    if (typeof result === 'string') return result;
    this.inbox.list.upsert(result.addMembers);
    return null;
  }

  async rename(conversationId: string, title: string): Promise<ActionResult> {
    const result = await this.#run(RenameConversationMutation, { conversationId, title });
    if (typeof result === 'string') return result;
    this.inbox.list.upsert(result.renameConversation);
    return null;
  }

  /** The owner removes `username`; with my own name it is leaving. */
  async removeMember(conversationId: string, username: string): Promise<ActionResult> {
    const result = await this.#run(RemoveMemberMutation, { conversationId, username });
    if (typeof result === 'string') return result;
    if (username === this.me.username) this.inbox.left(conversationId);
    else await this.inbox.fetch(conversationId);
    return null;
  }

  async #run<Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<Data | string> {
    const result: OperationResult<Data, Variables> = await this.urql
      .mutation(document, variables)
      .toPromise();
    return result.data ?? errorText(result.error, 'That did not work.');
  }
}
