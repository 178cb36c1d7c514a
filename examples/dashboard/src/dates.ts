// Dates in raw cells, for the date-range filter. Which columns hold dates is the core's call
// (the quality report's `dominant_type: "date"`); reading them follows the formats the core's
// `normalize::parse_date` documents, so a column the core calls a date column reads here too.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const FULL = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
  'october', 'november', 'december']

function monthFromName(s: string): number | null {
  let l = s.toLowerCase()
  if (l.length < 3) return null
  if (l === 'sept') l = 'sep'
  const i = MONTHS.findIndex((m, k) => l.startsWith(m) && (l.length === 3 || FULL[k].startsWith(l)))
  return i < 0 ? null : i + 1
}

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/** Days since 1970-01-01 of a valid calendar date, else null. */
function dayNumber(y: number, m: number, d: number): number | null {
  if (!Number.isInteger(y) || y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) {
    return null
  }
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000)
}

const DIGITS = /^\d{1,4}$/

/**
 * Reads a date cell into days since 1970-01-01: `2024-01-31` (a time after `T` or a space is
 * ignored), `2024/01/31`, `20240131`, `01/31/2024` (month first unless the first number is
 * above 12), `31.01.2024` (day first), `31-Jan-2024`, `Jan 31, 2024`, `31 January 2024`.
 */
export function parseDate(raw: string): number | null {
  const t = raw.trim()
  if (t.length < 6 || t.length > 40) return null
  if (/^\d{8}$/.test(t)) {
    const y = Number(t.slice(0, 4))
    if (y < 1900 || y > 2100) return null
    return dayNumber(y, Number(t.slice(4, 6)), Number(t.slice(6, 8)))
  }
  let datePart = t
  const cut = t.search(/[T ]/)
  if (cut >= 8 && /[-/.]/.test(t.slice(0, cut))) datePart = t.slice(0, cut)
  const parts = datePart.split(/[-/. ,]/).filter((p) => p !== '')
  if (parts.length !== 3) return null
  const names = parts.map(monthFromName)
  const mi = names.findIndex((n) => n !== null)
  if (mi >= 0) {
    const others = parts.filter((_, i) => i !== mi)
    const [y, d] = others[0].length === 4 ? [others[0], others[1]] : [others[1], others[0]]
    if (y.length !== 4 || !DIGITS.test(y) || !DIGITS.test(d)) return null
    return dayNumber(Number(y), names[mi] as number, Number(d))
  }
  if (!parts.every((p) => DIGITS.test(p))) return null
  const [a, b, c] = parts.map(Number)
  if (parts[0].length === 4) return dayNumber(a, b, c)
  if (parts[2].length !== 4) return null
  return datePart.includes('.') || a > 12 ? dayNumber(c, b, a) : dayNumber(c, a, b)
}

/** Days since 1970-01-01 as YYYY-MM-DD. */
export function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10)
}

/** An `<input type=date>` value as days since 1970-01-01, or null when blank or invalid. */
export function dayOfIso(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso)
  return m ? dayNumber(Number(m[1]), Number(m[2]), Number(m[3])) : null
}
