import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/auth.ts';
import './types/blocks.ts';
import './types/conversation.ts';
import './types/event.ts';
import './types/message.ts';
import './types/presence.ts';
import './types/settings.ts';
import './types/typing.ts';
import './types/user.ts';

export const schema = builder.toSchema({ sortSchema: true });

/** The SDL checked in as `schema.graphql`. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
