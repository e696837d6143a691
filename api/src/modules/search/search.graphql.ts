import { builder } from '../../graphql/builder.ts';
import type { TextRange as TextRangeShape } from '../../domain/search-highlights.ts';
import { Message } from '../messages/messages.graphql.ts';
import { encodeSearchCursor, MAX_HIGHLIGHTS, type SearchHit as SearchHitShape } from './search.ts';

const TextRange = builder.objectRef<TextRangeShape>('TextRange').implement({
  description: 'A part of a text, in UTF-16 code units as JavaScript strings count.',
  fields: (t) => ({
    start: t.exposeInt('start'),
    length: t.exposeInt('length'),
  }),
});

const SearchHit = builder.objectRef<SearchHitShape>('SearchHit').implement({
  description: 'A message a search found.',
  fields: (t) => ({
    message: t.field({ type: Message, resolve: (hit) => hit.message }),
    highlights: t.field({
      type: [TextRange],
      description: `The matched parts of \`message.body\`, in order, none overlapping; the first ${MAX_HIGHLIGHTS}.`,
      extensions: { maxItems: MAX_HIGHLIGHTS },
      resolve: (hit) => hit.highlights,
    }),
  }),
});

interface SearchEdgeShape {
  cursor: string;
  node: SearchHitShape;
}

const SearchEdge = builder.objectRef<SearchEdgeShape>('SearchEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: SearchHit, resolve: (edge) => edge.node }),
  }),
});

const SearchConnection = builder
  .objectRef<{
    edges: SearchEdgeShape[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  }>('SearchConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [SearchEdge], resolve: (connection) => connection.edges }),
      pageInfo: t.field({ type: builder.pageInfoRef(), resolve: (connection) => connection.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  search: t.withAuth({ signedIn: true }).field({
    type: SearchConnection,
    description: [
      'Messages of your conversations (or of `conversationId`) that match `query`, newest first; `first` up to 50.',
      'The query: words, all of which must match (case, accents, English stems and any part of a word of 3 characters aside;',
      'Chinese, Japanese and Korean by any 2 characters; emoji); "an exact phrase"; -word to exclude; from:username;',
      'has:link; after:YYYY-MM-DD (inclusive) and before:YYYY-MM-DD (exclusive), in UTC. Anything else is a word.',
      'Only filters, or nothing, lists messages newest first.',
    ].join(' '),
    args: {
      query: t.arg.string({ required: true }),
      conversationId: t.arg.id(),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { access, search } = context.services;
      const conversation =
        args.conversationId == null ? null : await access.member(context.viewer, String(args.conversationId));
      const page = await search.search(context.viewer, args.query, conversation, args);
      const edges = page.hits.map((hit) => ({ cursor: encodeSearchCursor(hit.message), node: hit }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
}));
