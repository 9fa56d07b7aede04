// Generates client/src/api-types.ts, the typed client's request and answer types, from the API's zod schemas
// (src/api/contract.ts: what the routes validate with and /openapi.json describes). It imports TypeScript, so it
// runs through tsx: `npm run generate:api-types`. src/api/contract.test.ts fails when the file is out of date.
import { writeFileSync } from 'node:fs';
import { apiTypesFile, generateApiTypes } from '../src/api/contract-types.ts';

writeFileSync(apiTypesFile, await generateApiTypes());
console.log(`wrote ${apiTypesFile}`);
