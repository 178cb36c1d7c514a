// End-to-end tests of the built dashboard (dist/) in headless Debian chromium, driven by
// playwright-core. Every expected value comes from the churnlens CLI run on the same file
// (see cli.mjs), never from the page itself.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import readXlsxFile from 'read-excel-file/node'
import { haveChromium, launch } from './browser.mjs'
import { DEMO_BUNDLE, DEMO_CSV, cliError, cliMap, cliScore, inputRows, isoOf, parseCsv } from './cli.mjs'
import { serve } from './serve.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, '..', 'dist')
const artifacts = join(here, 'artifacts')

if (!existsSync(join(dist, 'index.html'))) {
  throw new Error(`no build in ${dist}: run npm run build first`)
}
if (!haveChromium()) throw new Error('no chromium at /usr/bin/chromium (apt-get install chromium)')

let server
let browser
/** The CLI's results on the demo export. */
let cli
/** The demo export's header and the cells of each data row (row k at index k - 1). */
let headers
let cells

before(async () => {
  mkdirSync(artifacts, { recursive: true })
  cli = cliScore(DEMO_CSV)
  ;[headers, ...cells] = inputRows(DEMO_CSV)
  server = await serve(dist)
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server?.close()
})

const fmt = (n) => n.toLocaleString('en-US')
const pct = (p) => `${(100 * p).toFixed(1)}%`

async function newPage(width = 1280, height = 900) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true })
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(e))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(new Error(m.text()))
  })
  page.errors = errors
  await page.goto(server.url)
  return page
}

async function loadDemo(page) {
  await page.click('#demo-button')
  await page.waitForSelector('[data-testid=rows-scored]', { timeout: 120_000 })
}

/** Runs `action` and waits until the customer list shows the result of a new query. */
async function listAfter(page, action) {
  const bar = page.locator('.list-bar')
  const before = Number(await bar.getAttribute('data-seq'))
  await action()
  await page.waitForFunction(
    (b) => {
      const el = document.querySelector('.list-bar')
      return el && Number(el.dataset.seq) > b && el.dataset.state === 'ready'
    },
    before,
    { timeout: 30_000 },
  )
}

/** Clicks `selector` and returns the download it starts; an error message on the page fails fast. */
async function downloadOf(page, selector) {
  const download = page.waitForEvent('download', { timeout: 60_000 })
  const alert = page
    .waitForSelector('[role=alert]', { timeout: 60_000 })
    .then(async (el) => {
      throw new Error(`the page shows an error instead of a download: ${await el.textContent()}`)
    })
  await page.click(selector)
  const got = await Promise.race([download, alert])
  alert.catch(() => {})
  return got
}

async function shownRows(page) {
  return page.$$eval('table.customers tbody tr', (trs) =>
    trs.map((tr) => ({ id: tr.dataset.customer, p: Number(tr.dataset.p), index: Number(tr.dataset.index) })),
  )
}

async function matchCount(page) {
  const text = await page.textContent('[data-testid=match-count]')
  return Number(text.replace(/[^\d]/g, ''))
}

/** The CLI's scored customers, riskiest first (ties in input order, as the CLI sorts). */
function byRisk(rows) {
  return [...rows].sort((a, b) => b.probability - a.probability || a.row - b.row)
}

async function openCustomers(page) {
  await page.click('#tab-customers')
  await page.waitForSelector('table.customers tbody tr')
}

describe('demo', () => {
  test('tier counts and the top 10 equal the CLI output for the same file', async () => {
    const page = await newPage()
    await loadDemo(page)
    const s = cli.summary
    assert.equal(await page.textContent('[data-testid=rows-read]'), fmt(s.rows_read))
    assert.equal(await page.textContent('[data-testid=rows-scored]'), fmt(s.rows_scored))
    assert.equal(await page.textContent('[data-testid=rows-rejected]'), fmt(s.rows_rejected))
    for (const t of s.tiers.tiers) {
      assert.equal(await page.textContent(`[data-testid=tier-count-${t.name}]`), fmt(t.count), `tier ${t.name}`)
    }
    await openCustomers(page)
    const top = (await shownRows(page)).slice(0, 10)
    assert.deepEqual(
      top.map((r) => [r.id, r.p]),
      cli.riskiest.map((r) => [r.customer_id, r.probability]),
    )
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('sort, filter, search and pagination', async () => {
    const page = await newPage()
    await loadDemo(page)
    await openCustomers(page)
    const all = cli.scored
    const ids = (rows) => rows.map((r) => r.id)

    // Pagination: 25 per page, riskiest first.
    const risk = byRisk(all)
    assert.equal(await page.textContent('[data-testid=page-info]'), `Page 1 of ${Math.ceil(all.length / 25)}`)
    await listAfter(page, () => page.click('#next-page'))
    assert.deepEqual(ids(await shownRows(page)), risk.slice(25, 50).map((r) => r.customer_id))
    assert.equal(await page.textContent('[data-testid=page-info]'), `Page 2 of ${Math.ceil(all.length / 25)}`)
    await listAfter(page, () => page.selectOption('#page-size', '100'))
    assert.equal((await shownRows(page)).length, 100)
    assert.equal(await page.textContent('[data-testid=page-info]'), `Page 1 of ${Math.ceil(all.length / 100)}`)

    // Sort by customer id, both directions (ties, i.e. missing ids, in input order).
    const byId = [...all].sort((a, b) => {
      const x = a.customer_id ?? ''
      const y = b.customer_id ?? ''
      return x < y ? -1 : x > y ? 1 : a.row - b.row
    })
    await listAfter(page, () => page.click('button[data-sort=customer]'))
    assert.deepEqual(ids(await shownRows(page)), byId.slice(0, 100).map((r) => r.customer_id))
    assert.equal(await page.getAttribute('th:has(button[data-sort=customer])', 'aria-sort'), 'ascending')
    await listAfter(page, () => page.click('button[data-sort=customer]'))
    const desc = [...all].sort((a, b) => {
      const x = a.customer_id ?? ''
      const y = b.customer_id ?? ''
      return x > y ? -1 : x < y ? 1 : a.row - b.row
    })
    assert.deepEqual(ids(await shownRows(page)), desc.slice(0, 100).map((r) => r.customer_id))

    // Tier and probability filters.
    await listAfter(page, () => page.click('button[data-sort=probability]'))
    await listAfter(page, () => page.click('.chip[data-tier=high]'))
    assert.equal(await matchCount(page), all.filter((r) => r.tier === 'high').length)
    await listAfter(page, async () => {
      await page.fill('#p-min', '60')
      await page.press('#p-min', 'Enter')
    })
    await listAfter(page, async () => {
      await page.fill('#p-max', '80')
      await page.press('#p-max', 'Enter')
    })
    const ranged = byRisk(all.filter((r) => r.tier === 'high' && r.probability * 100 >= 60 && r.probability * 100 <= 80))
    assert.ok(ranged.length > 0)
    assert.equal(await matchCount(page), ranged.length)
    assert.deepEqual(ids(await shownRows(page)), ranged.slice(0, 100).map((r) => r.customer_id))

    // Search: by id, then by a column the model does not use (account manager).
    await listAfter(page, () => page.click('text=Clear filters'))
    assert.equal(await matchCount(page), all.length)
    await listAfter(page, () => page.fill('#search', '-vh'))
    const hasId = all.filter((r) => (r.customer_id ?? '').toLowerCase().includes('-vh'))
    assert.ok(hasId.length > 0)
    assert.deepEqual(ids(await shownRows(page)), byRisk(hasId).map((r) => r.customer_id))
    await listAfter(page, () => page.fill('#search', 'okafor'))
    const okafor = all.filter((r) => cells[r.row - 1].some((c) => c.toLowerCase().includes('okafor')))
    assert.ok(okafor.length > 0)
    assert.equal(await matchCount(page), okafor.length)
    assert.deepEqual(ids(await shownRows(page)), byRisk(okafor).slice(0, 100).map((r) => r.customer_id))

    // A search that matches nothing shows the empty state.
    await listAfter(page, () => page.fill('#search', 'no such customer anywhere'))
    assert.equal(await matchCount(page), 0)
    assert.match(await page.textContent('.empty'), /No customer matches these filters/)

    // Date range on the Last Contact column (ISO and month-first dates in the demo).
    await listAfter(page, () => page.fill('#search', ''))
    await listAfter(page, () => page.fill('#date-from', '2024-03-01'))
    await listAfter(page, () => page.fill('#date-to', '2024-06-30'))
    const col = headers.indexOf('Last Contact')
    const inRange = all.filter((r) => {
      const d = isoOf(cells[r.row - 1][col])
      return d !== null && d >= '2024-03-01' && d <= '2024-06-30'
    })
    assert.ok(inRange.length > 0)
    assert.equal(await matchCount(page), inRange.length)
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('the detail view shows the reasons, the waterfall and the raw values; keyboard works', async () => {
    const page = await newPage()
    await loadDemo(page)
    await openCustomers(page)
    // Keyboard only: focus the first customer's button and press Enter.
    await page.focus('table.customers tbody tr:first-child button.link')
    await page.keyboard.press('Enter')
    await page.waitForSelector('dialog.detail[open]')
    const top = cli.riskiest[0]
    assert.equal(await page.textContent('#detail-title'), top.customer_id)
    assert.equal(await page.textContent('[data-testid=detail-probability]'), pct(top.probability))
    const raises = await page.$$eval('[data-testid=reasons-raises] li', (li) => li.map((x) => x.textContent))
    const lowers = await page.$$eval('[data-testid=reasons-lowers] li', (li) => li.map((x) => x.textContent))
    assert.deepEqual(raises, top.explanation.raises.map((r) => r.text))
    assert.deepEqual(lowers, top.explanation.lowers.map((r) => r.text))
    assert.ok((await page.$$('.waterfall rect.wf-up')).length >= 1)
    // The raw values: every header of the file with this customer's cell.
    const raw = await page.$$eval('table.raw tbody tr', (trs) => trs.map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent]))
    assert.deepEqual(raw.map((r) => r[0]), headers)
    assert.deepEqual(raw.map((r) => r[1]), cells[top.row - 1])
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.detail', { state: 'detached' })
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('keyboard only: load the demo, switch tabs, read the chart', async () => {
    const page = await newPage()
    // Tab from the top of the page to the demo button (skip link, two file pickers first).
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      if ((await page.evaluate(() => document.activeElement?.id)) === 'demo-button') break
    }
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'demo-button')
    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-testid=rows-scored]', { timeout: 120_000 })
    // The chart reads out a bin per arrow key; the first bin's count is the CLI's.
    await page.focus('.chart svg')
    await page.keyboard.press('Home')
    const bin = (r) => Math.min(49, Math.floor(r.probability * 50))
    const first = cli.scored.filter((r) => bin(r) === 0).length
    assert.match(await page.textContent('#chart-tip'), new RegExp(`^${fmt(first)} customers with churn probability 0%–2%`))
    await page.keyboard.press('ArrowRight')
    const second = cli.scored.filter((r) => bin(r) === 1).length
    assert.match(await page.textContent('#chart-tip'), new RegExp(`^${fmt(second)} customers with churn probability 2%–4%`))
    // Tabs follow the arrow keys (WAI-ARIA tabs pattern).
    await page.focus('#tab-overview')
    await page.keyboard.press('ArrowRight')
    assert.equal(await page.getAttribute('#tab-customers', 'aria-selected'), 'true')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-customers')
    assert.ok(await page.isVisible('#panel-customers'))
    assert.ok(!(await page.isVisible('#panel-overview')))
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('CSV and XLSX exports hold the filtered rows', async () => {
    const page = await newPage()
    await loadDemo(page)
    await openCustomers(page)
    await listAfter(page, () => page.click('.chip[data-tier=medium]'))
    await listAfter(page, () => page.fill('#search', 'month-to-month'))
    const expected = byRisk(
      cli.scored.filter((r) => r.tier === 'medium' && cells[r.row - 1].some((c) => c.toLowerCase().includes('month-to-month'))),
    )
    assert.ok(expected.length > 0)
    assert.equal(await matchCount(page), expected.length)

    const csvDownload = await downloadOf(page, '#export-csv')
    assert.match(csvDownload.suggestedFilename(), /\.scored\.csv$/)
    const csv = parseCsv(readFileSync(await csvDownload.path(), 'utf8'))
    assert.deepEqual(csv.map((r) => r.customer_id), expected.map((r) => r.customer_id))
    assert.deepEqual(csv.map((r) => r.risk_tier), expected.map(() => 'medium'))
    assert.deepEqual(csv.map((r) => Number(r.churn_probability)), expected.map((r) => Number(r.probability.toFixed(6))))

    const xlsxDownload = await downloadOf(page, '#export-xlsx')
    assert.match(xlsxDownload.suggestedFilename(), /\.scored\.xlsx$/)
    const sheets = await readXlsxFile(readFileSync(await xlsxDownload.path()))
    assert.equal(sheets.length, 1)
    const [head, ...rows] = sheets[0].data
    const col = (name) => {
      const i = head.indexOf(name)
      assert.ok(i >= 0, `no ${name} in ${head}`)
      return i
    }
    assert.deepEqual(rows.map((r) => r[col('customer_id')]), expected.map((r) => r.customer_id))
    assert.deepEqual(rows.map((r) => r[col('risk_tier')]), expected.map(() => 'medium'))
    assert.deepEqual(rows.map((r) => r[col('churn_probability')]), expected.map((r) => r.probability))
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('mapping review: an override re-runs and matches the CLI with the same override', async () => {
    const page = await newPage()
    await loadDemo(page)
    await page.click('#tab-data')
    const row = page.locator('tr[data-feature=TotalCharges]')
    await row.locator('select').selectOption({ label: '(not mapped)' })
    await page.click('#rerun')
    await page.waitForSelector('#rerun:disabled')
    await page.waitForSelector('[data-testid=rows-scored]')
    const expected = cliScore(DEMO_CSV, { overrides: { TotalCharges: null } })
    for (const t of expected.summary.tiers.tiers) {
      assert.equal(await page.textContent(`[data-testid=tier-count-${t.name}]`), fmt(t.count), `tier ${t.name}`)
    }
    assert.notDeepEqual(
      expected.summary.tiers.tiers.map((t) => t.count),
      cli.summary.tiers.tiers.map((t) => t.count),
      'the override changes the scores',
    )
    assert.equal(await row.locator('select').inputValue(), '\u0000none')
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('mapping review: the mapping is the CLI\'s, an ambiguous match is highlighted', async () => {
    // Two columns fit monthly charges: the mapper takes the exact name and flags the other.
    const file = join(mkdtempSync(join(tmpdir(), 'churnlens-e2e-')), 'two-fees.csv')
    writeFileSync(
      file,
      'customerID,Contract,tenure,Monthly Fee,Monthly Charge\n' +
        'A-1,Month-to-month,3,50.5,50.5\nB-2,One year,40,80,80\nC-3,Two year,70,20.25,20.25\n',
    )
    const expected = cliMap(file)
    const ambiguous = expected.features.filter((f) => f.ambiguous)
    assert.ok(ambiguous.length > 0, 'the file has an ambiguous match')
    const page = await newPage()
    await page.setInputFiles('#csv-input', file)
    await page.waitForSelector('[data-testid=rows-scored]', { timeout: 60_000 })
    await page.click('#tab-data')
    for (const f of expected.features) {
      const row = page.locator(`tr[data-feature="${f.feature}"]`)
      assert.equal(await row.locator('select').inputValue(), f.header ?? '\u0000none', f.feature)
      assert.equal((await row.getAttribute('class')).includes('ambiguous'), f.ambiguous, f.feature)
    }
    for (const f of ambiguous) {
      const flag = await page.textContent(`tr[data-feature="${f.feature}"] .flag`)
      for (const a of f.alternatives) assert.ok(flag.includes(`“${a.header}”`), flag)
    }
    // Take the other column and score again: the choice is the user's now.
    const f = ambiguous[0]
    const other = f.alternatives[0].header
    await page.locator(`tr[data-feature="${f.feature}"] select`).selectOption({ label: other })
    await page.click('#rerun')
    await page.waitForSelector('#rerun:disabled')
    const row = page.locator(`tr[data-feature="${f.feature}"]`)
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('override'), `tr[data-feature="${f.feature}"]`)
    assert.equal(await row.locator('select').inputValue(), other)
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('the quality report lists the rejected rows and downloads them', async () => {
    const page = await newPage()
    await loadDemo(page)
    await page.click('#tab-data')
    const q = cli.summary.quality
    assert.match(await page.textContent('[data-testid=quality-score]'), new RegExp(`^${Math.round(100 * q.score)}%`))
    const shown = await page.$$eval('table.rejected tbody tr', (trs) => trs.map((tr) => tr.children[1].textContent))
    assert.deepEqual(shown, cli.rejects.map((r) => r[2] || '–'))
    const dl = await downloadOf(page, '#download-rejects')
    // The core writes both: the same bytes as the CLI's rejects file.
    assert.equal(readFileSync(await dl.path(), 'utf8'), cli.rejectsText)
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })
})

describe('a long run', () => {
  test('shows progress and can be cancelled; the page works afterwards', async () => {
    const page = await newPage()
    // 100 copies of the demo rows: long enough to be caught mid-run on any machine.
    const [head, ...body] = readFileSync(DEMO_CSV, 'utf8').trimEnd().split('\n')
    const big = Buffer.from([head, ...Array.from({ length: 100 }, () => body.join('\n'))].join('\n') + '\n')
    await page.setInputFiles('#csv-input', { name: 'big.csv', mimeType: 'text/csv', buffer: big })
    await page.waitForSelector('.progress progress')
    assert.match(await page.textContent('.progress'), /Scoring big\.csv/)
    await page.click('#cancel')
    await page.waitForSelector('#demo-button')
    assert.equal(await page.locator('[role=alert]').count(), 0)
    await loadDemo(page)
    assert.equal(await page.textContent('[data-testid=rows-scored]'), fmt(cli.summary.rows_scored))
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })
})

describe('bad and empty files', () => {
  const csvInput = '#csv-input'
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52])

  test('a wrong file type', async () => {
    const page = await newPage()
    await page.setInputFiles(csvInput, { name: 'holiday.png', mimeType: 'image/png', buffer: png })
    const alert = page.locator('[role=alert]')
    await alert.waitFor({ timeout: 60_000 })
    assert.equal(await alert.getAttribute('data-code'), 'file_type')
    assert.match(await alert.textContent(), /“holiday\.png” is not a customer table.*PNG image/)
    // The message is the core's (the wasm package's checkText, as scoreCsv checks first).
    const { checkText } = await import('../../../bindings/wasm/node.js')
    const shown = await shownMessage(page)
    assert.throws(() => checkText(png), (err) => err.code === 'csv' && err.message === shown)
    await page.context().close()
  })

  test('a model bundle chosen as the customer table', async () => {
    const page = await newPage()
    // The bundle is text, so it passes checkText; scoring it fails and the core's Bundle.load
    // reads it, so the page names it instead of showing the mapping error the CLI gives.
    await page.setInputFiles(csvInput, { name: 'telco_bundle.json', mimeType: 'application/json', buffer: readFileSync(DEMO_BUNDLE) })
    const alert = page.locator('[role=alert]')
    await alert.waitFor({ timeout: 60_000 })
    assert.equal(await alert.getAttribute('data-code'), 'file_type')
    assert.match(await alert.textContent(), /“telco_bundle\.json” is not a customer table.*model bundle.*choose it as the bundle/)
    // The page still scores a table afterwards.
    await page.click('[role=alert] button')
    await loadDemo(page)
    assert.equal(await page.textContent('[data-testid=rows-scored]'), fmt(cli.summary.rows_scored))
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  /** A scratch file holding `bytes`, for the CLI to read. */
  function scratch(name, bytes) {
    const file = join(mkdtempSync(join(tmpdir(), 'churnlens-e2e-')), name)
    writeFileSync(file, bytes)
    return file
  }

  /** The message under the banner's title: the core's error text. */
  const shownMessage = (page) => page.textContent('[role=alert] .message')

  test('a CSV with no mappable columns', async () => {
    const page = await newPage()
    const buffer = Buffer.from('colour,shoe size,favourite film\nred,42,Alien\nblue,38,Heat\n')
    const expected = cliError(['score', scratch('survey.csv', buffer), '--no-log', '--out-dir', tmpdir()])
    assert.equal(expected.exit_code, 3)
    await page.setInputFiles(csvInput, { name: 'survey.csv', mimeType: 'text/csv', buffer })
    const alert = page.locator('[role=alert]')
    await alert.waitFor({ timeout: 60_000 })
    assert.equal(await alert.getAttribute('data-subject'), 'csv')
    assert.match(await alert.textContent(), /“survey\.csv” could not be scored/)
    assert.equal(await shownMessage(page), expected.message)
    await page.context().close()
  })

  test('an empty file, and a CSV with a header but no rows', async () => {
    const page = await newPage()
    const expected = cliError(['score', scratch('empty.csv', ''), '--no-log', '--out-dir', tmpdir()])
    await page.setInputFiles(csvInput, { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) })
    const alert = page.locator('[role=alert]')
    await alert.waitFor({ timeout: 60_000 })
    assert.match(await alert.textContent(), /“empty\.csv” could not be scored/)
    assert.equal(await shownMessage(page), expected.message)
    const header = readFileSync(DEMO_CSV, 'utf8').split('\n')[0] + '\n'
    await page.setInputFiles(csvInput, { name: 'header-only.csv', mimeType: 'text/csv', buffer: Buffer.from(header) })
    await page.waitForSelector('[data-testid=nothing-scored]', { timeout: 60_000 })
    assert.match(await page.textContent('[data-testid=nothing-scored]'), /header-only\.csv has a header row but no data rows/)
    await page.context().close()
  })

  test('a corrupt bundle', async () => {
    const page = await newPage()
    const buffer = readFileSync(DEMO_BUNDLE).subarray(0, 5000)
    const expected = cliError(['score', DEMO_CSV, '--bundle', scratch('model.bundle.json', buffer), '--no-log', '--out-dir', tmpdir()])
    assert.equal(expected.exit_code, 4)
    await page.setInputFiles('#bundle-input', { name: 'model.bundle.json', mimeType: 'application/json', buffer })
    const alert = page.locator('[role=alert]')
    await alert.waitFor({ timeout: 60_000 })
    assert.equal(await alert.getAttribute('data-subject'), 'bundle')
    assert.match(await alert.textContent(), /The model bundle “model\.bundle\.json” could not be read/)
    assert.equal(await shownMessage(page), expected.message)
    await page.context().close()
  })
})

describe('layout', () => {
  for (const [width, height] of [
    [1280, 900],
    [375, 812],
  ]) {
    test(`${width} px: no horizontal scrolling; screenshots`, async () => {
      const page = await newPage(width, height)
      const shots = []
      const shot = async (name, fullPage = true) => {
        const path = join(artifacts, `dashboard-${width}-${name}.png`)
        await page.screenshot({ path, fullPage })
        shots.push(path)
      }
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      await shot('start')
      await loadDemo(page)
      assert.ok((await overflow()) <= 0, 'overview fits')
      await shot('overview')
      await openCustomers(page)
      assert.ok((await overflow()) <= 0, 'customer list fits')
      await shot('customers')
      await page.click('table.customers tbody tr:first-child button.link')
      await page.waitForSelector('dialog.detail[open]')
      await shot('detail', false)
      await page.keyboard.press('Escape')
      await page.click('#tab-data')
      assert.ok((await overflow()) <= 0, 'mapping and quality fit')
      await shot('quality')
      for (const p of shots) console.log(`screenshot: ${p}`)
      await page.context().close()
    })
  }
})
