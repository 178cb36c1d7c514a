// The generated TypeScript types (pkg/*/churnlens.d.ts) compile against test/types.ts under --strict.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..')

test('the generated .d.ts files type-check the documented uses (tsc --strict)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--lib', 'es2022,dom', 'test/types.ts'],
  { cwd: pkgDir, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stdout + run.stderr)
})
