// Measures the dashboard on a large export in headless chromium (not a test: figures only).
//
//   node e2e/measure.mjs [FILE]
//
// FILE defaults to /tmp/churnlens-customers-100k.csv, generated when missing with
// `examples/make_messy_export.py --rows 100000` (the repository's .venv has its numpy/pandas).
// Prints: wall time from choosing the file to the rendered overview, the worker's scoring time,
// the main thread's longest frame gap and long tasks while scoring, and the time a sort, a
// search and a page turn take on the full table.
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { launch } from './browser.mjs'
import { ROOT } from './cli.mjs'
import { serve } from './serve.mjs'

const file = process.argv[2] ?? '/tmp/churnlens-customers-100k.csv'
if (!existsSync(file)) {
  const python = existsSync(join(ROOT, '.venv/bin/python')) ? join(ROOT, '.venv/bin/python') : 'python3'
  console.error(`generating ${file} (100,000 rows)`)
  execFileSync(python, [join(ROOT, 'examples/make_messy_export.py'), '--rows', '100000', '--out', file], { stdio: 'inherit' })
}

const server = await serve(new URL('../dist/', import.meta.url).pathname)
const browser = await launch()
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  await page.goto(server.url)
  // Main-thread responsiveness while the worker scores: frame gaps and long tasks.
  await page.evaluate(() => {
    const w = window
    w.__gaps = { max: 0, frames: 0, long: [] }
    let last = performance.now()
    const tick = (t) => {
      w.__gaps.max = Math.max(w.__gaps.max, t - last)
      w.__gaps.frames += 1
      last = t
      if (!w.__gaps.stop) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__gaps.long.push([Math.round(e.startTime), Math.round(e.duration)])
    }).observe({ type: 'longtask', buffered: false })
  })
  const t0 = Date.now()
  const pageT0 = await page.evaluate(() => Math.round(performance.now()))
  await page.setInputFiles('#csv-input', file)
  await page.waitForSelector('[data-testid=rows-scored]', { timeout: 600_000 })
  const wall = (Date.now() - t0) / 1000
  const gaps = await page.evaluate(() => {
    window.__gaps.stop = true
    return { ...window.__gaps, end: Math.round(performance.now()) }
  })
  const shown = await page.textContent('.run p')
  const rows = await page.textContent('[data-testid=rows-scored]')

  await page.click('#tab-customers')
  await page.waitForSelector('table.customers tbody tr')
  const timed = async (what, action) => {
    const before = Number(await page.getAttribute('.list-bar', 'data-seq'))
    const s = Date.now()
    await action()
    await page.waitForFunction(
      (b) => {
        const el = document.querySelector('.list-bar')
        return Number(el.dataset.seq) > b && el.dataset.state === 'ready'
      },
      before,
      { timeout: 120_000 },
    )
    return [what, (Date.now() - s) / 1000]
  }
  const ops = [
    await timed('sort by customer id', () => page.click('button[data-sort=customer]')),
    await timed('next page', () => page.click('#next-page')),
    await timed('search "okafor" (includes 200 ms debounce)', () => page.fill('#search', 'okafor')),
    await timed('search "chen" (includes 200 ms debounce)', () => page.fill('#search', 'chen')),
  ]
  console.log(
    JSON.stringify(
      {
        file,
        bytes: statSync(file).size,
        rows_scored: rows,
        wall_seconds_file_to_overview: wall,
        page_says: shown.trim(),
        main_thread_while_scoring: {
          longest_frame_gap_ms: Math.round(gaps.max),
          frames: gaps.frames,
          // [start, duration] in ms since the file was chosen; the overview showed at `shown_at`.
          long_tasks_ms: gaps.long.map(([start, d]) => [start - pageT0, d]),
          shown_at_ms: gaps.end - pageT0,
        },
        list_operations_seconds: Object.fromEntries(ops),
      },
      null,
      2,
    ),
  )
} finally {
  await browser.close()
  await server.close()
}
