// Accessibility of every page, signed in, in both themes, by axe-core (@axe-core/playwright) on Debian's
// chromium, against the same populated Espelho the e2e run starts (`npm run build` first).
//   node scripts/qualidade.mjs            → prints each page's serious/critical violations; exit 1 if any
// Lighthouse (performance, best practices) is measured by `npx lighthouse@12.2.3` (see README, "Qualidade").
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { ADMIN, DEMO_UASG, startEnvironment } from '../e2e/env.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAGES = [
  ['/', 'stat-total-value'], ['/processos', 'tabela-processos'], ['/empresas', null], ['/obrigacoes', 'tabela-obrigacoes'],
  [`/contratos?uasg=${DEMO_UASG}`, 'tabela-contratos'], ['/responsaveis', null], ['/relatorios', null],
  ['/sincronizacao', 'tabela-sincronizacoes'], ['/whatsapp', null], ['/usuarios', 'tabela-usuarios'],
];

const env = await startEnvironment({ log: () => {} });
const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=pt-BR'],
});
let graves = 0;
try {
  for (const theme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'pt-BR', colorScheme: theme });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto(`${env.baseUrl}/login`);
    const login = await new AxeBuilder({ page }).analyze();
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Senha').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.waitForURL(`${env.baseUrl}/`);
    await page.evaluate((t) => localStorage.setItem('espelho.tema', t), theme);
    const results = [['/login', login]];
    for (const [url, testId] of PAGES) {
      await page.goto(`${env.baseUrl}${url}`);
      if (testId) await page.getByTestId(testId).waitFor();
      await page.waitForLoadState('networkidle').catch(() => {});
      results.push([url, await new AxeBuilder({ page }).analyze()]);
    }
    for (const [url, r] of results) {
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      graves += bad.length;
      console.log(`${theme.padEnd(5)} ${url.padEnd(24)} ${bad.length === 0 ? 'ok' : bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}×)`).join(', ')}`);
      for (const v of bad) for (const n of v.nodes.slice(0, 3)) console.log(`      ${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1]?.trim() ?? ''}`);
    }
    await context.close();
  }
} finally {
  await browser.close().catch(() => {});
  await env.stop();
}
console.log(`\naxe: ${graves} serious or critical violation(s)`);
process.exit(graves > 0 ? 1 : 0);
