// The office's daily use (issue 22), end to end on the built web app against `espelho serve` + the simulators,
// in Debian's chromium: failures said plainly, users managed in the app, search without accents, rows that are
// links, pages that fit a phone. Run: `npm run build && node e2e/diario.mjs` (screenshots in e2e/screenshots/).
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ADMIN, api, DEMO_UASG, desktopContext, intBR, launchChromium, login, runScenarios, scenario, shot, SHOTS, startEnvironment, TIMEOUT,
} from './env.mjs';

// A failing Acessórias answers at once here: the sentence is under test, not the production back-off.
process.env.ESPELHO_ACESSORIAS_MAX_ATTEMPTS = '1';
process.env.ESPELHO_ACESSORIAS_BACKOFF_S = '0';

let env;
let browser;

async function control(url, body) {
  const r = await fetch(`${env.simUrl}${url}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(r.ok, `simulator POST ${url}: HTTP ${r.status}`);
}

/** How many CSS pixels the page scrolls sideways (0: it fits). */
const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

async function main() {
  console.log('Starting Espelho (simulators, migrations, users, syncs, serve)…');
  env = await startEnvironment({ log: (m) => console.log(`  ${m}`) });
  browser = await launchChromium();
  const context = await desktopContext(browser);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await login(page, env.baseUrl, ADMIN);

  console.log('Scenarios:');
  await scenario('the dashboard opens on the backend\'s current competência and shows /resumo', async () => {
    const regras = (await api(page, 'GET', '/api/v1/regras')).body;
    const resumo = (await api(page, 'GET', '/api/v1/resumo')).body;
    await page.getByTestId('stat-total-value').waitFor();
    assert.equal(await page.getByTestId('competencia-value').inputValue(), regras.competencia_atual);
    assert.equal((await page.getByTestId('resumo-obrigacoes-atrasadas-value').innerText()).trim(), intBR.format(resumo.obrigacoes.atrasadas));
    assert.equal((await page.getByTestId('resumo-processos-abertos-value').innerText()).trim(), intBR.format(resumo.processos_abertos));
    await page.getByTestId('resumo-obrigacoes-atrasadas').click();
    await page.waitForURL(/\/obrigacoes\?situacao=atrasada/);
    await page.getByText(`${intBR.format(resumo.obrigacoes.atrasadas)} obrigações, vencimentos mais próximos de hoje primeiro`).waitFor();
    assert.equal(await page.getByTestId('atrasada').count(), Math.min(25, resumo.obrigacoes.atrasadas));
    await shot(page, 'obrigacoes-atrasadas');
  });

  await scenario('searching "acougue" finds "AÇOUGUE…" (processos and empresas)', async () => {
    await page.goto(`${env.baseUrl}/processos`);
    await page.getByTestId('tabela-processos').waitFor();
    await page.getByLabel('Buscar').fill('acougue');
    await page.waitForURL(/q=acougue/);
    const { body } = await api(page, 'GET', '/api/v1/processos?q=acougue&page_size=25');
    assert.ok(body.total > 0, 'the API finds the AÇOUGUE processos without the accent');
    await page.getByText(`${intBR.format(body.total)} processos encontrados`).waitFor();
    const empresas = await page.getByTestId('tabela-processos').locator('tbody tr td:nth-child(3)').allInnerTexts();
    assert.ok(empresas.some((e) => /AÇOUGUE/.test(e)), `some row names AÇOUGUE: ${empresas.join(' | ')}`);
    await shot(page, 'busca-sem-acento');
    await page.goto(`${env.baseUrl}/empresas?q=acougue`);
    await page.getByText(/AÇOUGUE/).first().waitFor();
  });

  await scenario('a processo row is a link: ctrl-click opens it in a new tab; sorting goes to the URL', async () => {
    await page.goto(`${env.baseUrl}/processos`);
    const table = page.getByTestId('tabela-processos');
    await table.waitFor();
    const link = table.locator('tbody tr').first().locator('a').first();
    const href = await link.getAttribute('href');
    assert.match(href, /^\/processos\/\d+$/);
    const [tab] = await Promise.all([context.waitForEvent('page'), link.click({ modifiers: ['Control'] })]);
    await tab.waitForLoadState();
    assert.equal(new URL(tab.url()).pathname, href);
    assert.equal(new URL(page.url()).pathname, '/processos', 'the list stays where it was');
    await tab.close();
    await table.getByRole('button', { name: 'Progresso' }).click();
    await page.waitForURL(/ordering=porcentagem_conclusao/);
    await table.locator('th[aria-sort="ascending"]', { hasText: 'Progresso' }).waitFor();
    await table.getByRole('button', { name: 'Progresso' }).click();
    await page.waitForURL(/ordering=-porcentagem_conclusao/);
    const { body } = await api(page, 'GET', '/api/v1/processos?ordering=-porcentagem_conclusao&page_size=25');
    await table.locator('tbody tr').first().getByText(String(body.items[0].proc_id), { exact: true }).waitFor();
  });

  const novo = { email: 'colega@example.com', password: 'colega-senha-1234', nome: 'Colega Novo' };
  await scenario('an ADMIN creates a user on the users page, and that user logs in', async () => {
    await page.getByRole('link', { name: 'Usuários', exact: true }).click();
    await page.getByTestId('tabela-usuarios').waitFor();
    await page.getByRole('button', { name: 'Novo usuário' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('E-mail').fill(novo.email);
    await form.getByLabel('Nome').fill(novo.nome);
    await form.getByLabel('Senha inicial').fill(novo.password);
    await form.getByRole('button', { name: 'Criar usuário' }).click();
    await page.getByTestId('tabela-usuarios').getByText(novo.nome).waitFor();
    await shot(page, 'usuarios');
    // The last active ADMIN stays: deactivating oneself is refused in plain words.
    await page.getByRole('button', { name: `Desativar ${ADMIN.email}` }).click();
    await page.getByTestId('erro-alteracao').getByText(/último ADMIN ativo/).waitFor();
    const other = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'pt-BR' });
    other.setDefaultTimeout(TIMEOUT);
    const p = await other.newPage();
    await login(p, env.baseUrl, novo);
    await p.getByTestId('stat-total-value').waitFor();
    assert.equal(await p.getByRole('link', { name: 'Usuários', exact: true }).count(), 0, 'a USER does not see the users page');
    await other.close();
  });

  await scenario('a failed UASG sync ends in a Portuguese error on the Contratos page', async () => {
    const uasg = '770077';
    await control('/comprasnet/_control/faults', { path_contains: `/contrato/ug/${uasg}`, status: 500, times: 0 });
    await page.goto(`${env.baseUrl}/contratos?uasg=${uasg}`);
    await page.getByTestId('sincronizar-uasg').click();
    const erro = page.getByTestId('erro-sincronizacao');
    await erro.waitFor({ timeout: 60_000 });
    assert.match(await erro.getByTestId('erro-explicado').innerText(), /^O Comprasnet respondeu com um erro interno \(HTTP 500\)/);
    assert.equal(await page.getByTestId('sincronizacao-rodando').count(), 0, 'no stale "em andamento" banner');
    await erro.getByRole('button', { name: 'Detalhes' }).click();
    await erro.getByText('comprasnet failed with HTTP 500').waitFor();
    await shot(page, 'contratos-sync-falhou');
    await control('/comprasnet/_control/reset');
  });

  await scenario('a failed Acessórias sync ends in a Portuguese error on the Sincronização page', async () => {
    await control('/acessorias/_control/faults', { http_500: 1000 });
    try {
      await page.goto(`${env.baseUrl}/sincronizacao`);
      await page.getByTestId('iniciar-sync').click();
      const erro = page.getByTestId('erro-sincronizacao');
      await erro.waitFor({ timeout: 90_000 });
      assert.match(await erro.getByTestId('erro-explicado').innerText(), /^A Acessórias respondeu com um erro interno \(HTTP 500\)/);
      await page.getByTestId('tabela-sincronizacoes').locator('tbody tr').first().getByText(/A Acessórias respondeu/).waitFor();
      await shot(page, 'sincronizacao-falhou');
    } finally {
      await control('/acessorias/_control/faults', { http_500: 0 });
    }
  });

  await scenario('at 390 px the dashboard and every list have no horizontal scroll', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
    phone.setDefaultTimeout(TIMEOUT);
    const p = await phone.newPage();
    await login(p, env.baseUrl, ADMIN);
    const pages = [
      ['/', 'stat-total-value'], ['/processos', 'tabela-processos'], ['/empresas', null], ['/obrigacoes', 'tabela-obrigacoes'],
      [`/contratos?uasg=${DEMO_UASG}`, 'tabela-contratos'], ['/responsaveis', null], ['/sincronizacao', 'tabela-sincronizacoes'],
      ['/relatorios', null], ['/usuarios', 'tabela-usuarios'], ['/whatsapp', null],
    ];
    const wide = [];
    for (const [url, testId] of pages) {
      await p.goto(`${env.baseUrl}${url}`);
      if (testId) await p.getByTestId(testId).waitFor();
      await p.waitForLoadState('networkidle').catch(() => {});
      const extra = await sideways(p);
      if (extra > 0) wide.push(`${url} scrolls ${extra} px sideways`);
      await p.screenshot({ path: path.join(SHOTS, `celular${url.split('?')[0].replace(/\//g, '-') || '-dashboard'}.png`), fullPage: true });
    }
    assert.deepEqual(wide, []);
    await phone.close();
  });

  await scenario('no uncaught errors in the page', async () => {
    assert.deepEqual(consoleErrors, []);
  });
}

process.exit(await runScenarios(main, () => [browser, env]));
