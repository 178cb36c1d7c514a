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
  const code = blocks.find((b) => b.includes('shapValuesAsync')).replace("require('churnlens')", `require(${JSON.stringify(pkgDir)})`)
  const out = execFileSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' })
  assert.match(out, /^xgboost binary:logistic/)
  assert.match(out, /customer 0: churn 0\.\d{3}; top drivers: \w+ [+-]\d/)
  assert.match(out, /customer 1: churn 0\.\d{3}/)
})

test('the README error example shows an input error', () => {
  const code = `const { Model } = require(${JSON.stringify(pkgDir)})
    const model = Model.load('tests/fixtures/xgb_binary/model.json')
    ${blocks.find((b) => b.includes('tenuer'))}`
  const run = spawnSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stderr, /key "tenuer", which is not a feature/)
})

test('the README scoreCsv example runs and prints the tiers and the riskiest customers', async () => {
  const { mkdtempSync, existsSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const out = join(mkdtempSync(join(tmpdir(), 'churnlens-readme-')), 'riskiest.xlsx')
  const code = blocks.find((b) => b.includes('scoreCsvAsync'))
    .replace("require('churnlens')", `require(${JSON.stringify(pkgDir)})`)
    .replace("'riskiest.xlsx'", JSON.stringify(out))
  const run = spawnSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /^unmapped columns: Region, Account Manager, Last Contact, Notes$/m)
  const cli = JSON.parse(readFileSync(join(here, 'fixtures', 'demo_cli_summary.json'), 'utf8'))
  assert.match(run.stdout, new RegExp(`^${cli.rows_read} rows \\(100%\\)$`, 'm'))
  assert.match(run.stdout, new RegExp(`^${cli.rows_scored} scored, ${cli.rows_rejected} rejected; quality \\w+$`, 'm'))
  assert.match(run.stdout, /^ {2}high: \d+$/m)
  assert.match(run.stdout, /^\S+ \d+\.\d%: .+ raises churn risk by/m)
  assert.ok(existsSync(out))
})

test("the main README's scoreCsv example runs", () => {
  const main = readFileSync(join(repo, 'README.md'), 'utf8')
  const block = [...main.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('scoreCsv('))
  assert.ok(block, 'no scoreCsv example in README.md')
  const code = block.replace("require('churnlens')", `require(${JSON.stringify(pkgDir)})`)
  const run = spawnSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  const cli = JSON.parse(readFileSync(join(here, 'fixtures', 'demo_cli_summary.json'), 'utf8'))
  const tiers = cli.tiers.tiers.map((t) => `${t.name} ${t.count}`).join(', ')
  assert.match(run.stdout, new RegExp(`^${tiers}$`, 'm'))
  assert.match(run.stdout, /^\S+ 0\.\d+ .+ raises churn risk by/m)
})
