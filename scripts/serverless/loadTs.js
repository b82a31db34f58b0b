'use strict';
/**
 * Loads one of the project's TypeScript modules (e.g. src/routes.ts) from a serverless.yml
 * `${file(...)}` helper. The Framework requires plain CommonJS helpers and knows nothing of
 * TypeScript, so the module is bundled in memory with esbuild (already a dependency through
 * serverless-esbuild) and evaluated: no build step, no files written, the same source the Lambda
 * bundles and the tests use.
 */
const path = require('node:path');
const Module = require('node:module');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..', '..');
const cache = new Map();

/** @param {string} relativePath path from the repository root, e.g. 'src/routes.ts' */
function loadTs(relativePath) {
  const file = path.resolve(ROOT, relativePath);
  if (!cache.has(file)) {
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [file],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    const mod = new Module(file, module);
    mod.filename = file;
    mod.paths = Module._nodeModulePaths(path.dirname(file));
    mod._compile(outputFiles[0].text, file);
    cache.set(file, mod.exports);
  }
  return cache.get(file);
}

module.exports = { loadTs, ROOT };
