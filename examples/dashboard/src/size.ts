import { useEffect, useRef, useState } from 'preact/hooks'

/**
 * The rendered width of an element, kept current: charts draw in CSS pixels at their real
 * size, so that their text stays legible from 375 px phones to wide screens.
 */
export function useWidth<T extends Element>(fallback: number) {
  const ref = useRef<T>(null)
  const [width, setWidth] = useState(fallback)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const ro = new ResizeObserver(([entry]) => {
      const w = Math.round(entry.contentRect.width)
      if (w > 0) setWidth(w)
    })
    ro.observe(el)
    return () => ro.disconnect()
  }, [])
  return [ref, width] as const
}
