// The README's Web Worker example, run in a fresh node process with a stand-in for the
// worker's `self` (postMessage collects the messages) and the web build initialised from
// its .wasm file, on the shipped demo.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')
const web = join(here, '..', 'pkg', 'web')
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8')
const worker = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('scoreCsv'))

test('the README worker example scores the demo and posts progress, summary and an xlsx', () => {
  assert.ok(worker, 'no scoreCsv example in README.md')
  const code = worker
    .replace("'./churnlens/churnlens.js'", JSON.stringify(join(web, 'churnlens.js')))
    .replace('init()', `init({ module_or_path: readFileSync(${JSON.stringify(join(web, 'churnlens_bg.wasm'))}) })`)
  const script = `
    import { readFileSync } from 'node:fs'
    const posted = []
    globalThis.self = { postMessage: (m) => posted.push(m) }
    ${code}
    const bytes = (p) => { const b = readFileSync(p); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) }
    await self.onmessage({ data: { csv: bytes(${JSON.stringify(join(repo, 'examples', 'demo', 'customers_export.csv'))}),
                                   bundle: bytes(${JSON.stringify(join(repo, 'examples', 'demo', 'telco_bundle.json'))}) } })
    await self.onmessage({ data: { csv: new ArrayBuffer(8), bundle: bytes(${JSON.stringify(join(repo, 'examples', 'demo', 'telco_bundle.json'))}) } })
    const done = posted.find((m) => m.summary)
    console.log(JSON.stringify({
      progress: posted.filter((m) => 'progress' in m).map((m) => m.progress),
      tiers: done.summary.tiers, riskiest: done.riskiest.map((r) => [r.id, r.probability, r.why.raises.length]),
      rejected: done.rejected.length, xlsx: Array.from(done.xlsx.subarray(0, 2)), error: posted.find((m) => m.error),
    }))
  `
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))
  const cli = JSON.parse(readFileSync(join(repo, 'bindings', 'node', 'test', 'fixtures', 'demo_cli_summary.json'), 'utf8'))
  assert.deepEqual(out.progress, [1])
  assert.deepEqual(out.tiers, cli.tiers)
  assert.equal(out.riskiest.length, 10)
  for (let k = 1; k < 10; k++) assert.ok(out.riskiest[k - 1][1] >= out.riskiest[k][1])
  assert.equal(out.rejected, cli.rows_rejected)
  assert.deepEqual(out.xlsx, [0x50, 0x4b]) // "PK": a zip container
  assert.equal(out.error.code, 'csv') // eight NUL bytes are not a CSV
})
