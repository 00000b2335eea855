// The `lark-im` command as one ES module bundle (esbuild), after `tsc -b` has emitted and type-checked dist/:
// dist/cli/main.js (the entry, replacing tsc's) and dist/cli/worker.js (a dry-run's render thread), with the
// modules each command imports when it runs split into dist/cli/chunk-*.js. A few files per command instead
// of 150 of the project's and 95 of zod's: a command starts sooner and a large dry-run takes less CPU
// (docs/BENCHMARKS.md, 2026-12-04). The library (dist/index.js and the rest) stays tsc's, module by module.
// The chunks live in dist/cli/, two folders below the package root, as the modules they come from do: the
// paths they find files by (new URL('../../console/', import.meta.url), ...) stay right.
import { readdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const OUT = 'dist/cli';

// Chunks of an earlier build (their names are content hashes).
for (const name of await readdir(OUT)) if (/^chunk-.*\.js$/.test(name)) await rm(`${OUT}/${name}`);

await build({
  entryPoints: { main: 'src/cli/main.ts', worker: 'src/pipeline/dry-run/worker.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // CommonJS packages (commander, ...) require() Node's modules: an ES module has no `require` of its own.
  banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module';\nconst require = createRequireOfBundle(import.meta.url);" },
  logLevel: 'warning',
});
