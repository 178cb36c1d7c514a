// Plain data shared by the worker and the page (all structured-cloneable).
import type { Explanation, RejectedRow, RunSummary } from 'churnlens-wasm/web'

// The core's result shapes, as the wasm package types them (snake_case serde names).
export type { Explanation, FeatureMatch, Overrides, Reason, RejectedRow, RunSummary } from 'churnlens-wasm/web'

export type SortKey = 'probability' | 'customer' | 'tier' | 'row' | 'date'

/** What the customer list shows: filters, sort order and page. */
export interface Query {
  search: string
  /** Tier indices (into tierNames) to keep; empty = all. */
  tiers: number[]
  /** Churn probability range in percent, inclusive. */
  pMin: number
  pMax: number
  /** Index of the date column filtered on (into dateColumns), or -1. */
  dateColumn: number
  /** Inclusive ISO dates (YYYY-MM-DD) or ''. */
  dateFrom: string
  dateTo: string
  sort: SortKey
  descending: boolean
  page: number
  pageSize: number
}

/** One row of a page of the customer list. */
export interface ListRow {
  index: number
  row: number
  line: number
  customerId: string | null
  probability: number
  tier: number
  topReason: string
  date: string | null
}

/** A page of the customer list; `seq` counts the list replies applied (tests wait on it). */
export interface ListPage {
  total: number
  rows: ListRow[]
  page: number
  seq: number
}

export interface DateColumn {
  column: number
  header: string
  /** Earliest and latest date in the column, ISO. */
  min: string
  max: string
}

export interface Histogram {
  /** Bin edges are i / bins; counts[tier][bin]. */
  bins: number
  counts: number[][]
}

/** What the page needs after a run. */
export interface Scored {
  fileName: string
  bundleName: string
  summary: RunSummary
  length: number
  headers: string[]
  featureNames: string[]
  tierNames: string[]
  dateColumns: DateColumn[]
  histogram: Histogram
  rejected: RejectedRow[]
  elapsedMs: number
}


export interface Detail {
  index: number
  row: number
  line: number
  customerId: string | null
  probability: number
  tier: number
  explanation: Explanation
  full: Explanation
  cells: string[] | null
  features: number[]
}

export type Failure = {
  /** What failed, for the message: the customer file, the bundle, or the run. */
  subject: 'csv' | 'bundle' | 'run'
  code: string
  message: string
}
