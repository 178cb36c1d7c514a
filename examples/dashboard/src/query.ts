import type { Query } from './types'

/** The customer list as first shown: everyone, riskiest first (as the CLI lists them). */
export function initialQuery(): Query {
  return {
    search: '',
    tiers: [],
    pMin: 0,
    pMax: 100,
    dateColumn: -1,
    dateFrom: '',
    dateTo: '',
    sort: 'probability',
    descending: true,
    page: 0,
    pageSize: 25,
  }
}
