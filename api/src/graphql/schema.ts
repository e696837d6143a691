import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import '../modules/accounts/accounts.graphql.ts';
import '../modules/accounts/passkeys.graphql.ts';
import '../modules/blocks/blocks.graphql.ts';
import '../modules/conversations/conversations.graphql.ts';
import '../modules/conversations/groups.graphql.ts';
import '../modules/events/events.graphql.ts';
import '../modules/files/files.graphql.ts';
import '../modules/messages/changes.graphql.ts';
import '../modules/messages/messages.graphql.ts';
import '../modules/people/people.graphql.ts';
import '../modules/people/profile.graphql.ts';
import '../modules/people/settings.graphql.ts';
import '../modules/presence/presence.graphql.ts';
import '../modules/search/search.graphql.ts';
import '../modules/push/push.graphql.ts';
import '../modules/typing/typing.graphql.ts';

export const schema = builder.toSchema({ sortSchema: true });

/** The SDL checked in as `schema.graphql`. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
