import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signup, type TestUser } from './support/clients.ts';
import { createGroup, listConversations, markRead } from './support/conversations.ts';
import { useTestServer } from './support/harness.ts';
import { addReaction, deleteMessage, editMessage, ok, sendInto } from './support/message-changes.ts';

/**
 * unreadCount and mentionCount follow one rule whatever happened: the not deleted TEXT
 * messages from others after the member's read position, and of those the ones naming the
 * member or everyone. Random runs of sends, edits, deletions, reactions and reads by three
 * members of a group are checked against a recount of a model after every step.
 */
const harness = useTestServer();
const server = () => harness.server;

const MEMBERS = 3;
type Member = 0 | 1 | 2;
const member = fc.constantFrom<Member>(0, 1, 2);
/** Whom a text names: nobody, one member, or everyone. */
const naming = fc.oneof(fc.constant<'nobody' | 'all'>('nobody'), fc.constant<'nobody' | 'all'>('all'), member);

type Action =
  | { kind: 'send'; by: Member; names: 'nobody' | 'all' | Member }
  | { kind: 'edit'; pick: number; names: 'nobody' | 'all' | Member }
  | { kind: 'delete'; pick: number; byOwner: boolean }
  | { kind: 'react'; pick: number; by: Member }
  | { kind: 'read'; by: Member };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), by: member, names: naming }),
  fc.record({ kind: fc.constant('edit' as const), pick: fc.nat(), names: naming }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat(), byOwner: fc.boolean() }),
  fc.record({ kind: fc.constant('react' as const), pick: fc.nat(), by: member }),
  fc.record({ kind: fc.constant('read' as const), by: member }),
);

interface ModelMessage {
  id: string;
  seq: number;
  sender: Member;
  deleted: boolean;
  names: 'nobody' | 'all' | Member;
}

class Model {
  readonly messages: ModelMessage[] = [];
  /** Each member's read position, as a seq of the model's messages (0: none read). */
  readonly readSeq: number[] = Array.from({ length: MEMBERS }, () => 0);
  private seq = 0;

  sent(id: string, sender: Member, names: ModelMessage['names']) {
    this.messages.push({ id, seq: ++this.seq, sender, deleted: false, names });
    this.readSeq[sender] = this.seq;
  }

  counts(viewer: Member) {
    const unread = this.messages.filter(
      (message) => !message.deleted && message.sender !== viewer && message.seq > this.readSeq[viewer]!,
    );
    const mentions = unread.filter((message) => message.names === 'all' || message.names === viewer);
    return { unreadCount: unread.length, mentionCount: mentions.length };
  }
}

describe('unread and mention counts', () => {
  it('always equal a recount: not deleted text from others after the read position, and those naming you', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 18 }), async (actions) => {
        const people: TestUser[] = [await signup(server()), await signup(server()), await signup(server())];
        const group = (await createGroup(server(), people[0]!, 'Counts', people.slice(1))).id;
        const model = new Model();
        const text = (names: ModelMessage['names'], body: string) =>
          names === 'nobody' ? body : `${body} @${names === 'all' ? 'all' : people[names]!.username}`;

        for (const [step, next] of actions.entries()) {
          const live = model.messages.filter((message) => !message.deleted);
          const target = live.length > 0 && 'pick' in next ? live[next.pick % live.length]! : undefined;
          switch (next.kind) {
            case 'send': {
              const sent = ok(await sendInto(server(), people[next.by]!, group, text(next.names, `step ${step}`)));
              model.sent(sent.sendMessage.id, next.by, next.names);
              break;
            }
            case 'edit':
              if (!target) continue;
              ok(await editMessage(server(), people[target.sender]!, target.id, text(next.names, `edited ${step}`)));
              target.names = next.names;
              break;
            case 'delete':
              if (!target) continue;
              ok(await deleteMessage(server(), people[next.byOwner ? 0 : target.sender]!, target.id));
              target.deleted = true;
              break;
            case 'react':
              if (!target) continue;
              ok(await addReaction(server(), people[next.by]!, target.id, '👍'));
              break;
            case 'read': {
              const newest = model.messages.at(-1);
              if (!newest) continue;
              ok(await markRead(server(), people[next.by]!, group, newest.id));
              model.readSeq[next.by] = Math.max(model.readSeq[next.by]!, newest.seq);
              break;
            }
          }
          for (const viewer of [0, 1, 2] as const) {
            const listed = (await listConversations(server(), people[viewer]!)).edges.find(
              (edge) => edge.node.id === group,
            )!.node;
            expect({ step, viewer, unreadCount: listed.unreadCount, mentionCount: listed.mentionCount }).toEqual({
              step,
              viewer,
              ...model.counts(viewer),
            });
          }
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 180_000);
});
