import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printedSchema } from '../graphql/schema.ts';

const target = resolve(import.meta.dirname, '../../../schema.graphql');
await writeFile(target, printedSchema());
console.log(`wrote ${target}`);
