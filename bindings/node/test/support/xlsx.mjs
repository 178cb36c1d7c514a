// Reads an .xlsx workbook back for the tests (shared by the Node and WASM suites): the zip's
// central directory with node:zlib for the deflated parts, then the first sheet's rows with
// shared strings resolved. Just enough of ECMA-376 for the files ScoredTable.toXlsx writes.
import { inflateRawSync } from 'node:zlib'

/** The entries of a zip archive: Map<name, Buffer> (stored or deflated). */
export function unzip(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record')
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const entries = new Map()
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry ${k}`)
    const method = buf.readUInt16LE(p + 10)
    const size = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen)
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header of ${name}`)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const data = buf.subarray(start, start + size)
    if (method === 0) entries.set(name, data)
    else if (method === 8) entries.set(name, inflateRawSync(data))
    else throw new Error(`${name}: compression method ${method}`)
    p += 46 + nameLen + extraLen + commentLen
  }
  return entries
}

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&apos;/g, "'").replace(/&amp;/g, '&')

/** The first sheet's rows as arrays of cell texts (numbers as their XML text). */
export function sheetRows(bytes) {
  const zip = unzip(bytes)
  const shared = []
  const sst = zip.get('xl/sharedStrings.xml')?.toString('utf8') ?? ''
  for (const m of sst.matchAll(/<si>([\s\S]*?)<\/si>/g)) {
    shared.push(unescape([...m[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')))
  }
  const sheet = zip.get('xl/worksheets/sheet1.xml')?.toString('utf8')
  if (!sheet) throw new Error('no xl/worksheets/sheet1.xml')
  const rows = []
  for (const row of sheet.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells = []
    for (const c of row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const col = [...c[1]].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1
      const v = /<v>([\s\S]*?)<\/v>/.exec(c[3] ?? '')?.[1] ?? ''
      cells[col] = /t="s"/.test(c[2]) ? shared[Number(v)] : unescape(v)
    }
    rows.push(Array.from(cells, (x) => x ?? ''))
  }
  return rows
}
