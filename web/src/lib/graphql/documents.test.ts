import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, validate, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';

// The committed, generated schema: a field the server renames or drops fails here, not in a user's browser.
const schema = buildSchema(readFileSync(resolve(import.meta.dirname, '../../../../schema.graphql'), 'utf8'));

const modules = import.meta.glob<Record<string, unknown>>('./documents/*.ts', { eager: true });

describe('documents', () => {
  const operations = Object.values(modules).flatMap((exports) =>
    Object.entries(exports).filter(
      (entry): entry is [string, DocumentNode] =>
        typeof entry[1] === 'object' &&
        entry[1] !== null &&
        'kind' in entry[1] &&
        !entry[0].endsWith('Fields'),
    ),
  );

  it('finds every operation', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  it.each(operations)('%s is valid against schema.graphql', (_name, document) => {
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  });
});
