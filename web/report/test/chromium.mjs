// Debian's Chromium driven by playwright-core (which downloads no browser of its own), started
// the way this machine needs: no sandbox as root, no GPU, no background network traffic (there is
// no network to reach), a fresh profile per launch.
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function launchChromium(executablePath = process.env.AUTOSCALE_CHROMIUM || '/usr/bin/chromium') {
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: run scripts/setup.sh (Debian package chromium) or set AUTOSCALE_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'autoscale-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    newPage: async (opts = {}) => {
      const p = await context.newPage();
      if (opts.viewport) await p.setViewportSize(opts.viewport);
      return p;
    },
    close: () => context.close(),
  };
}

export const reportUrl = (file) => pathToFileURL(file).href;
