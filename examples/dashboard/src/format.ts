// Number and label formatting shared by the views.

export const pct = (p: number, digits = 1) => `${(100 * p).toFixed(digits)}%`

export const int = (n: number) => n.toLocaleString('en-US')

export const points = (x: number) => `${x >= 0 ? '+' : '\u2212'}${Math.abs(x).toFixed(1)} pts`

export const titleCase = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s)

/**
 * A colour per tier, from the lowest tier (green) to the highest (red), for any number of
 * tiers; tiers are ordered by their lower probability bound in the bundle.
 */
export function tierColor(tier: number, tiers: number): string {
  const palette = ['#2f855a', '#b7791f', '#c53030']
  if (tiers <= 1) return palette[0]
  const x = (tier / (tiers - 1)) * (palette.length - 1)
  return palette[Math.round(x)]
}

/** Saves bytes as a file download. */
export function download(bytes: Uint8Array, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** `customers.csv` -> `customers` */
export const stem = (name: string) => name.replace(/\.[^.]*$/, '') || 'customers'
