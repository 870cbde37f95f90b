/** Writes the policy file schema that the loader uses to policies/schema.json. */
import { writeFile } from 'node:fs/promises';
import { POLICY_FILE_SCHEMA } from '../src/policy/schema.js';

const target = new URL('../policies/schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(POLICY_FILE_SCHEMA, null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
