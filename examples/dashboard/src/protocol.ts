// Messages between the page and the scoring worker. The worker owns the scored table (in wasm
// memory); the page asks for what it shows (a page of rows, a customer, an export), so that
// 100k-row results never cross to the main thread whole.
import type { Detail, Failure, ListRow, Overrides, Query, Scored } from './types'

export type Request =
  | {
      type: 'score'
      /** New input bytes (transferred), or null to re-run the current input (mapping changes). */
      csv: { name: string; bytes: ArrayBuffer } | null
      /** New bundle bytes, or null to keep the current one. */
      bundle: { name: string; bytes: ArrayBuffer } | null
      overrides: Overrides
    }
  | { type: 'bundle'; bundle: { name: string; bytes: ArrayBuffer } }
  | { type: 'query'; query: Query }
  | { type: 'detail'; index: number }
  | { type: 'export'; format: 'csv' | 'xlsx'; query: Query }
  | { type: 'rejects' }

export type Reply =
  | { type: 'score'; scored: Scored }
  | { type: 'bundle'; name: string }
  | { type: 'query'; total: number; rows: ListRow[]; page: number }
  | { type: 'detail'; detail: Detail }
  | { type: 'export'; bytes: Uint8Array; count: number }
  | { type: 'rejects'; bytes: Uint8Array }
  | { type: 'error'; failure: Failure }

/** Sent by the worker while it scores, not in reply to a request of its own id. */
export interface ProgressMessage {
  type: 'progress'
  rowsRead: number
  bytesRead: number
  totalBytes: number
}

/** Worker -> page envelope: `id` is the request's id (0 for progress). */
export type Envelope = { id: number; reply: Reply } | { id: 0; progress: ProgressMessage }
