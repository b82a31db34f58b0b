'use strict';
/**
 * The keys table's shape for serverless.yml, from src/store/table.ts (the one table definition the
 * local stack and the tests also create). serverless.yml adds what only AWS has: encryption,
 * point-in-time recovery, deletion protection, the retention policy.
 *
 * serverless.yml: `AttributeDefinitions: ${file(./scripts/serverless/table.js):definition.AttributeDefinitions}`
 */
const { loadTs } = require('./loadTs');

const table = loadTs('src/store/table.ts');

module.exports = {
  definition: table.keysTable,
  ttlAttribute: table.TTL_ATTRIBUTE,
};
