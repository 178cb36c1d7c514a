// Debian's chromium driven by playwright-core (no browser download), as issue 7 prescribes.
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function haveChromium() {
  return existsSync(CHROMIUM)
}

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true })
}
