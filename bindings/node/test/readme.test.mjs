// The README's examples run as written (from the repository root, as the README says).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { execFileSync, spawnSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = dirname(fileURLToPath(import.meta.url))
const pkgDir = join(here, '..')
const repo = join(pkgDir, '..', '..')
const blocks = [...readFileSync(join(pkgDir, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])

test('the package resolves by its name (package.json "exports")', () => {
  const { Model } = createRequire(import.meta.url)('churnlens')
  assert.equal(typeof Model.load, 'function')
})

test('the README backend example runs and prints each customer with drivers', () => {
  const code = blocks[0].replace("require('churnlens')", `require(${JSON.stringify(pkgDir)})`)
  const out = execFileSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' })
  assert.match(out, /^xgboost binary:logistic/)
  assert.match(out, /customer 0: churn 0\.\d{3}; top drivers: \w+ [+-]\d/)
  assert.match(out, /customer 1: churn 0\.\d{3}/)
})

test('the README error example shows an input error', () => {
  const code = `const { Model } = require(${JSON.stringify(pkgDir)})
    const model = Model.load('tests/fixtures/xgb_binary/model.json')
    ${blocks[2]}`
  const run = spawnSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stderr, /key "tenuer", which is not a feature/)
})
