// A first look at a chosen file's bytes, so that an obviously wrong file gets a plain message
// before it reaches the core (which rejects it too, in terms of CSV structure).

const SIGNATURES: [number[], string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive (an Excel .xlsx workbook is one: save it as CSV first)'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old-style Office document (.xls: save it as CSV first)'],
  [[0x1f, 0x8b], 'a gzip archive'],
]

/** What the bytes look like when they are clearly not a text table, else null. */
export function notATable(bytes: Uint8Array): string | null {
  for (const [sig, what] of SIGNATURES) {
    if (sig.every((b, i) => bytes[i] === b)) return what
  }
  // UTF-16 text (which the core reads) starts with a byte-order mark and is full of zeros.
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)
  if (!utf16 && bytes.subarray(0, 4096).includes(0)) return 'a binary file'
  let i = 0
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++
  if (bytes[i] === 0x7b) return 'a JSON document (a model bundle? choose it as the bundle)'
  return null
}

/** Whether a file looks like a model bundle or model (JSON, UBJSON or LightGBM text). */
export function looksLikeModel(name: string): boolean {
  return /\.(json|ubj|txt\.model|model)$/i.test(name)
}
