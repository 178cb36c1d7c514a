// The README's browser example in headless Chromium, when the machine has it (Debian package
// `chromium`); skipped otherwise. The page is served from 127.0.0.1 by this test.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { join, dirname, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Model } from 'churnlens-wasm'

const here = dirname(fileURLToPath(import.meta.url))
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const model = join(here, '..', '..', '..', 'tests', 'fixtures', 'xgb_binary', 'model.json')

test('README page scores a customer in Chromium', { skip: !chromium && 'no chromium on this machine' }, async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8')
  const page = readme.match(/```html\n([\s\S]*?)```/)[1]
  const web = join(here, '..', 'pkg', 'web')
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' }
  const server = createServer((req, res) => {
    const url = req.url.split('?')[0]
    let body = null
    if (url === '/' || url === '/index.html') body = page
    else if (url === '/model.json') body = readFileSync(model)
    else if (url.startsWith('/churnlens/')) {
      const file = normalize(join(web, url.slice('/churnlens/'.length)))
      if (file.startsWith(web) && existsSync(file)) body = readFileSync(file)
    }
    if (body === null) {
      res.writeHead(404).end()
      return
    }
    const ext = url === '/' ? '.html' : url.slice(url.lastIndexOf('.'))
    res.writeHead(200, { 'content-type': types[ext] ?? 'application/octet-stream' }).end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${server.address().port}/`
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--virtual-time-budget=10000', '--dump-dom', url]
    const dom = await new Promise((resolve, reject) =>
      execFile(chromium, args, { timeout: 60_000, encoding: 'utf8' }, (err, out) => (err ? reject(err) : resolve(out))))
    const shown = dom.match(/<pre id="out">([\s\S]*?)<\/pre>/)[1]
    // The same numbers as this process computes with the node entry of the package.
    const m = Model.load(readFileSync(model))
    const risk = m.predict([{ tenure: 2, monthly_charges: 89.9, total_charges: 180.5, support_tickets: 4, logins_30d: 1 }])
    assert.match(shown, new RegExp(`^churn risk ${(100 * risk[0]).toFixed(1)}%\\ntop drivers: support_tickets \\+`))
  } finally {
    server.close()
  }
})
