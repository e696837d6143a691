import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, validate, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as documents from './documents.ts';

// The committed, generated schema: a field the server renames or drops fails here, not in a user's browser.
const schema = buildSchema(readFileSync(resolve(import.meta.dirname, '../../../../schema.graphql'), 'utf8'));

describe('documents', () => {
  const operations = Object.entries(documents).filter(
    (entry): entry is [string, DocumentNode] => typeof entry[1] === 'object' && 'kind' in entry[1],
  );

  it.each(operations)('%s is valid against schema.graphql', (_name, document) => {
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  });
});
