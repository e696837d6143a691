import type { ResultOf } from 'gql.tada';
import { graphql } from '../tada.ts';

export const SearchQuery = graphql(`
  query Search($query: String!, $conversationId: ID, $after: String) {
    search(query: $query, conversationId: $conversationId, first: 20, after: $after) {
      edges {
        cursor
        node {
          message {
            id
            body
            createdAt
            sender {
              id
              username
              displayName
            }
            conversation {
              id
              kind
              title
            }
          }
          highlights {
            start
            length
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export type SearchHit = ResultOf<typeof SearchQuery>['search']['edges'][number]['node'];
