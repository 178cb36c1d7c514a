// What the dashboard's worker reads with the wasm package's own functions instead of copies in
// TypeScript: `checkText` (is the chosen customer file a table at all?) and `parseDate` (the
// date filter's day numbers). Run here in Node on the same built package (bindings/wasm/pkg)
// the page bundles; the browser suite (dashboard.test.mjs) checks the page's use of them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Bundle, checkText, parseDate } from '../../../bindings/wasm/node.js'
import { DEMO_BUNDLE, DEMO_CSV, inputRows, isoOf } from './cli.mjs'

const day = (y, m, d) => Date.UTC(y, m - 1, d) / 86_400_000
const isoDay = (n) => new Date(n * 86_400_000).toISOString().slice(0, 10)

test('parseDate reads every format the core documents, as days since 1970-01-01', () => {
  const jan31 = day(2024, 1, 31)
  assert.equal(jan31, 19753)
  for (const s of ['2024-01-31', ' 2024-01-31 ', '2024-01-31T10:00:00Z', '2024-01-31 23:59', '2024/01/31',
    '20240131', '01/31/2024', '31/01/2024', '31.01.2024', '31-Jan-2024', 'Jan 31, 2024', '31 January 2024',
    'january 31 2024', 'JAN 31 2024']) {
    assert.equal(parseDate(s), jan31, s)
  }
  assert.equal(parseDate('30 Sept 2024'), day(2024, 9, 30))
  // Month first unless the first number is above 12; dots are always day first.
  assert.equal(parseDate('03/04/2024'), day(2024, 3, 4))
  assert.equal(parseDate('13/04/2024'), day(2024, 4, 13))
  assert.equal(parseDate('03.04.2024'), day(2024, 4, 3))
  assert.equal(parseDate('1969-12-31'), -1)
  assert.equal(parseDate('2024-02-29'), day(2024, 2, 29))
})

test('parseDate refuses what is not a calendar date (NaN)', () => {
  for (const s of ['', '   ', '12', '2024-02-30', '2023-02-29', '2024-13-01', '13/13/2024', '2024-1-1x',
    'yesterday', '31 Janvier 2024', '19000101x', '21010101', '0999-01-01', '1.5', '2024-01-31-02']) {
    assert.equal(parseDate(s), NaN, JSON.stringify(s))
  }
})

test("parseDate on the demo's Last Contact column: the day of every cell, blanks NaN", () => {
  const [headers, ...rows] = inputRows(DEMO_CSV)
  const col = headers.indexOf('Last Contact')
  assert.ok(col >= 0)
  let read = 0
  for (const r of rows.filter((r) => r.length > 1)) {
    const cell = r[col] ?? ''
    const d = parseDate(cell)
    assert.equal(Number.isNaN(d) ? null : isoDay(d), isoOf(cell), JSON.stringify(cell))
    if (!Number.isNaN(d)) read++
  }
  assert.ok(read > 800, `${read} dates read`)
})

test('checkText refuses files that are not tables with the core error naming them', () => {
  const cases = [
    [[0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0], /zip archive \(an Excel \.xlsx workbook is one\)/],
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], /a PNG image/],
    [[0xff, 0xd8, 0xff, 0xe0], /a JPEG image/],
    [[...Buffer.from('GIF89a')], /a GIF image/],
    [[...Buffer.from('%PDF-1.7\n')], /a PDF document/],
    [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1], /old Excel \(\.xls\)/],
    [[0x1f, 0x8b, 0x08, 0], /a gzip archive/],
    [[...Buffer.from('SQLite format 3\0')], /an SQLite database/],
    // NUL bytes without a UTF-16 byte-order mark: binary, or UTF-16 the core will not guess.
    [[...Buffer.from('id,tenure\n'), 0, 1, 2], /NUL byte at offset 10/],
  ]
  for (const [bytes, what] of cases) {
    assert.throws(() => checkText(Uint8Array.from(bytes)), (err) => {
      assert.equal(err.code, 'csv')
      assert.match(err.message, /^invalid CSV at line 0: the input is not delimited text: /)
      assert.match(err.message, what)
      return true
    })
  }
})

test('checkText passes text tables, UTF-16 with a byte-order mark, and an ArrayBuffer', () => {
  const demo = readFileSync(DEMO_CSV)
  assert.equal(checkText(demo), undefined)
  assert.equal(checkText(demo.buffer.slice(demo.byteOffset, demo.byteOffset + demo.byteLength)), undefined)
  assert.equal(checkText(new Uint8Array(0)), undefined) // empty: scoreCsv's own error says why
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,tenure\nA,3\n', 'utf16le')])
  assert.equal(checkText(le), undefined)
  const be = Buffer.from(le.subarray(2)).swap16()
  assert.equal(checkText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), undefined)
  assert.throws(() => checkText('id,tenure'), (err) => err.code === 'input' && /Uint8Array or an ArrayBuffer/.test(err.message))
})

test('a bundle is text, so checkText lets it through; the core reads it as a bundle', () => {
  // The worker tells the user to choose it as the bundle when scoring it as a table fails.
  const bytes = readFileSync(DEMO_BUNDLE)
  assert.equal(checkText(bytes), undefined)
  const b = Bundle.load(bytes)
  assert.equal(b.name, 'telco-churn-demo')
  b.free()
  assert.throws(() => Bundle.load(readFileSync(DEMO_CSV)), (err) => err.code === 'unknown_format')
})
