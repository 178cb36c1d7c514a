// Error codes and positions (the core's Error::code and Error::position, docs/errors.md): the
// same strings and parts as in Python and WASM.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Bundle, Model, scoreCsv, scoreCsvAsync } = require('../index.js')

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const xgbJson = readFileSync(join(repo, 'tests', 'fixtures', 'xgb_binary', 'model.json'), 'utf8')
const bundle = Bundle.load(join(repo, 'examples', 'demo', 'telco_bundle.json'))

/** The XGBoost fixture with the root of tree `tree` pointing at a node that does not exist. */
function brokenChild(tree) {
  const model = JSON.parse(xgbJson)
  model.learner.gradient_booster.model.trees[tree].left_children[0] = 99999
  return Buffer.from(JSON.stringify(model))
}

/** A CSV whose first 64 KiB are UTF-8 and whose last row holds a Latin-1 byte. */
function latin1AfterSniffWindow(rows = 4000) {
  let head = 'customerID,tenure,Contract\n'
  for (let i = 1; i <= rows; i++) head += `C${i},${i % 70},Month-to-month\n`
  const start = Buffer.byteLength(head)
  assert.ok(start > 64 * 1024)
  return { data: Buffer.concat([Buffer.from(head), Buffer.from(`C${rows + 1},5,Mon\xe9\n`, 'latin1')]), start }
}

/** Throws (or rejects) an Error with this code and position. */
const hasPosition = (code, position) => (err) => {
  assert.ok(err instanceof Error, `not an Error: ${err}`)
  assert.equal(err.code, code, `code of: ${err.message}`)
  assert.deepEqual({ ...err.position }, position, `position of: ${err.message}`)
  return true
}

test('a malformed model file: code "model", position with file, tree, node and field', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'churnlens-')), 'broken.json')
  writeFileSync(path, brokenChild(1))
  assert.throws(() => Model.load(path), hasPosition('model', { file: path, tree: 1, node: 0, field: 'left_children' }))
  // From bytes there is no file to name.
  assert.throws(() => Model.load(brokenChild(1)), hasPosition('model', { tree: 1, node: 0, field: 'left_children' }))
})

test('a JSON syntax error: code "json", position with line and column', () => {
  assert.throws(() => Model.load(Buffer.from('{\n  "learner": ]')), hasPosition('json', { line: 2, column: 14 }))
})

test('a bad CSV: code "encoding", position with line, row, column, header and byte', async () => {
  const { data, start } = latin1AfterSniffWindow()
  const want = { line: 4002, row: 4001, column: 3, field: 'Contract', byte: start }
  assert.throws(() => scoreCsv(data, bundle), hasPosition('encoding', want))
  await assert.rejects(scoreCsvAsync(data, bundle), hasPosition('encoding', want))
})

test('errors without a place have an empty position', () => {
  assert.throws(() => Model.load(Buffer.from('hello')), hasPosition('unknown_format', {}))
  const m = Model.load(Buffer.from(xgbJson))
  assert.throws(() => m.predict(new Float64Array(m.numFeatures + 1)), hasPosition('input', {}))
  assert.throws(() => Model.load(join(repo, 'no_such_model.json')), hasPosition('io', { file: join(repo, 'no_such_model.json') }))
})
