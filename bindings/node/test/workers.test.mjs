// Worker threads: several workers each load the same model file and score the same rows while
// the main thread does too; every result equals the main thread's, bit for bit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Model } = require('../index.js')

/** Rows with missing values and values around the fixtures' split thresholds. */
function rows(numFeatures, n, seed) {
  const x = new Float64Array(n * numFeatures)
  let s = seed
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648
    x[i] = s % 10 === 0 ? NaN : (s % 13000) / 100 - 10
  }
  return x
}

function score(path, seed) {
  const m = Model.load(path)
  const x = rows(m.numFeatures, 300, seed)
  return {
    predict: m.predict(x),
    margin: m.predict(x, undefined, { output: 'margin' }),
    shap: m.shapValues(x),
  }
}

if (!isMainThread) {
  // A worker: load its own copy of the model, score the rows a few times, send the results.
  const { path, seed, repeats } = workerData
  let last
  for (let r = 0; r < repeats; r++) last = score(path, seed)
  parentPort.postMessage(last)
} else {
  const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests', 'fixtures')
  const models = ['xgb_multiclass/model.json', 'lgb_binary/model.txt', 'xgb_categorical/model.json']

  const runWorker = (path, seed) =>
    new Promise((resolve, reject) => {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { path, seed, repeats: 3 } })
      w.once('message', resolve)
      w.once('error', reject)
      w.once('exit', (code) => {
        if (code !== 0) reject(new Error(`worker exited with ${code}`))
      })
    })

  /** Equal shapes and equal bits (NaN included). */
  const sameBits = (a, b, what) => {
    const flat = (v) => (ArrayBuffer.isView(v) ? Array.from(v) : Array.isArray(v) ? v.flat(Infinity) : [v])
    const [fa, fb] = [flat(a), flat(b)]
    assert.equal(fa.length, fb.length, `${what}: length`)
    for (let i = 0; i < fa.length; i++) {
      assert.ok(Object.is(fa[i], fb[i]), `${what}[${i}]: ${fa[i]} vs ${fb[i]}`)
    }
  }

  test('workers loading the same model file score exactly as the main thread', async () => {
    const jobs = []
    for (let k = 0; k < 6; k++) {
      const path = join(fixtures, models[k % models.length])
      jobs.push({ path, seed: 7 + (k % models.length), result: runWorker(path, 7 + (k % models.length)) })
    }
    // The main thread scores too while the workers run.
    const expected = new Map()
    for (const { path, seed } of jobs) {
      if (!expected.has(path)) expected.set(path, score(path, seed))
    }
    for (const { path, result } of jobs) {
      const got = await result
      const want = expected.get(path)
      for (const key of ['predict', 'margin', 'shap']) sameBits(got[key], want[key], `${path} ${key}`)
    }
  })
}
