// Lighthouse on the signed-in dashboard, desktop and mobile, on Debian's chromium, against the same populated
// Espelho the e2e run starts (`npm run build` first).
//   node scripts/lighthouse.mjs   → each form factor's performance, accessibility and best-practices scores
// The token lives in sessionStorage, which a new tab does not share: the script signs in on a page and hands
// that same page to Lighthouse (its Node API), which then loads the dashboard in it with storage kept.
import { writeFileSync } from 'node:fs';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { ADMIN, startEnvironment } from '../e2e/env.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3); // the median of a few runs: this machine is shared
// LIGHTHOUSE_JSON=/tmp/lh keeps each run's full report (/tmp/lh-desktop-0.json…) to read the audits' details.
const JSON_PREFIX = process.env.LIGHTHOUSE_JSON;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
const DESKTOP = {
  formFactor: 'desktop',
  screenEmulation: { mobile: false, width: 1350, height: 940, deviceScaleFactor: 1, disabled: false },
  throttling: { rttMs: 40, throughputKbps: 10240, cpuSlowdownMultiplier: 1 },
};

const env = await startEnvironment({ log: () => {} });
const browser = await puppeteer.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=pt-BR'],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const [nome, settings] of [['desktop', DESKTOP], ['mobile', {}]]) {
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, []]));
    const metrics = { lcp: [], tbt: [], cls: [] };
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage();
      await page.goto(`${env.baseUrl}/login`, { waitUntil: 'networkidle0' });
      await page.type('input[type=email]', ADMIN.email);
      await page.type('input[type=password]', ADMIN.password);
      await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.keyboard.press('Enter')]);
      const result = await lighthouse(`${env.baseUrl}/`, {
        output: 'json', logLevel: 'error', onlyCategories: CATEGORIES, disableStorageReset: true,
      }, { extends: 'lighthouse:default', settings }, page);
      const { categories, audits } = result.lhr;
      if (JSON_PREFIX) writeFileSync(`${JSON_PREFIX}-${nome}-${run}.json`, JSON.stringify(result.lhr));
      for (const c of CATEGORIES) scores[c].push(Math.round(categories[c].score * 100));
      metrics.lcp.push(audits['largest-contentful-paint'].numericValue);
      metrics.tbt.push(audits['total-blocking-time'].numericValue);
      metrics.cls.push(audits['cumulative-layout-shift'].numericValue);
      const failed = Object.values(audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary');
      if (run === 0) for (const a of failed) console.log(`  ${nome}: ${a.id} — ${a.title}`);
      await page.close();
    }
    console.log(`${nome.padEnd(7)} performance ${median(scores.performance)}  accessibility ${median(scores.accessibility)}  `
      + `best practices ${median(scores['best-practices'])}  (LCP ${(median(metrics.lcp) / 1000).toFixed(1)} s, `
      + `TBT ${Math.round(median(metrics.tbt))} ms, CLS ${median(metrics.cls).toFixed(3)}; median of ${RUNS})`);
  }
} finally {
  await browser.close().catch(() => {});
  await env.stop();
}
