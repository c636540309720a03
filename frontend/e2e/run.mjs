// End-to-end run of the built web app (`npm run build` first) against `espelho serve` + the simulators,
// driving Debian's chromium through playwright-core. Saves a screenshot of each page to e2e/screenshots/
// (E2E_SCREENSHOTS=../docs/screenshots refreshes the ones the docs show).
// Exit code: 0 when every scenario passed.
import assert from 'node:assert/strict';
import {
  ADMIN, api, DEMO_UASG, desktopContext, intBR, launchChromium, login, runScenarios, scenario, shot, startEnvironment, TIMEOUT, VIEWER,
} from './env.mjs';

const pctBR = new Intl.NumberFormat('pt-BR', { style: 'percent', maximumFractionDigits: 1 });
const decBR = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 1 });
const plain = (s) => s.replace(/\s/g, ' ').trim();

let env;
let browser;

async function sim(method, url, body) {
  const r = await fetch(`${env.simUrl}/comprasnet${url}`, {
    method, headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  assert.ok(r.ok, `simulator ${method} ${url}: HTTP ${r.status}`);
  return r.json();
}

/** POST requests a page sends to one tab's sincronizar route. */
function countTabSyncs(page, aba) {
  const seen = { n: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes(`/sincronizar/${aba}`)) seen.n += 1;
  });
  return seen;
}

async function main() {
  console.log('Starting Espelho (simulators, migrations, users, syncs, serve)…');
  env = await startEnvironment({ log: (m) => console.log(`  ${m}`) });
  browser = await launchChromium();
  const context = await desktopContext(browser);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  console.log('Scenarios:');
  await scenario('unauthenticated visit goes to the login page; a wrong password is refused', async () => {
    await page.goto(`${env.baseUrl}/processos`);
    await page.waitForURL(/\/login\?next=%2Fprocessos/);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Senha').fill('not-the-password');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByText('E-mail ou senha incorretos.').waitFor();
    await shot(page, 'login');
  });

  await scenario('log in and see the dashboard; its numbers equal the API\'s', async () => {
    await login(page, env.baseUrl, ADMIN);
    await page.getByTestId('stat-total-value').waitFor();
    const competencia = await page.getByTestId('competencia-value').inputValue();
    const { status, body } = await api(page, 'GET', `/api/v1/dashboard/metricas?competencia=${encodeURIComponent(competencia)}`);
    assert.equal(status, 200);
    assert.equal(plain(await page.getByTestId('stat-total-value').innerText()), intBR.format(body.total_processos));
    assert.equal(plain(await page.getByTestId('stat-concluidos-value').innerText()), intBR.format(body.concluidos));
    assert.equal(plain(await page.getByTestId('stat-taxa-value').innerText()), plain(pctBR.format(body.taxa_conclusao / 100)));
    if (body.media_dias !== null) {
      assert.equal(plain(await page.getByTestId('stat-media-dias-value').innerText()), `${decBR.format(body.media_dias)} dias`);
    }
    // The charts render once on screen (their chunk is left out of the first load).
    await page.getByTestId('chart-regimes').scrollIntoViewIfNeeded();
    await page.getByTestId('chart-regimes').locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByTestId('chart-timeline').locator('.recharts-line').first().waitFor();
    await page.getByText(/Última sincronização: \d{2}\/\d{2}\/\d{4}/).waitFor();
    await shot(page, 'dashboard');
  });

  let processoId;
  await scenario('filter processos by status and open one: header, passos tree, desdobramentos', async () => {
    await page.getByRole('link', { name: 'Processos', exact: true }).click();
    await page.getByTestId('tabela-processos').waitFor();
    await page.getByTestId('filtro-status').click();
    await page.getByRole('option', { name: 'Concluído', exact: true }).click();
    await page.waitForURL(/status=Conclu/);
    const { body } = await api(page, 'GET', '/api/v1/processos?status=Conclu%C3%ADdo&page_size=25');
    assert.ok(body.total > 0, 'some processos are concluded');
    await page.getByText(`${intBR.format(body.total)} processos encontrados`).waitFor();
    const statuses = await page.getByTestId('tabela-processos').locator('tbody tr td:nth-child(5)').allInnerTexts();
    assert.equal(statuses.length, Math.min(25, body.total));
    assert.ok(statuses.every((s) => s.trim() === 'Concluído'), `every row is Concluído: ${statuses.join(', ')}`);
    await shot(page, 'processos');
    // Open the first processo that has a desdobramento, so the page shows every part.
    const withBranch = body.items.find((p) => p.total_passos > 0) ?? body.items[0];
    processoId = withBranch.id;
    await page.goto(`${env.baseUrl}/processos?status=Conclu%C3%ADdo`);
    await page.getByTestId('tabela-processos').getByText(withBranch.titulo || withBranch.nome).first().waitFor();
    await page.getByTestId('tabela-processos').locator('tbody tr', { hasText: String(withBranch.proc_id) }).first().click();
    await page.waitForURL(new RegExp(`/processos/${processoId}$`));
    await page.getByRole('heading', { name: withBranch.titulo || withBranch.nome }).waitFor();
    const passos = await api(page, 'GET', `/api/v1/processos/${processoId}/passos?page_size=500`);
    if (passos.body.total > 0) {
      await page.getByTestId('passos-tree').waitFor();
      assert.equal(await page.getByTestId('passos-tree').locator('li').count(), passos.body.total);
    }
  });

  await scenario('a processo with sub-processos and desdobramentos shows them nested and answered', async () => {
    // Find one in the API that has both, then check the page.
    const list = await api(page, 'GET', '/api/v1/processos?page_size=100');
    let found = null;
    for (const p of list.body.items) {
      const d = await api(page, 'GET', `/api/v1/processos/${p.id}/desdobramentos`);
      if (d.body.total > 0) { found = { p, d: d.body }; break; }
    }
    assert.ok(found, 'a processo with desdobramentos exists in the simulated office');
    await page.goto(`${env.baseUrl}/processos/${found.p.id}`);
    await page.getByTestId('passos-tree').waitFor();
    await page.getByTestId('desdobramento').first().waitFor();
    assert.equal(await page.getByTestId('desdobramento').count(), found.d.total);
    const nested = await page.getByTestId('passos-tree').locator('li[data-nivel="1"]').count();
    const passos = await api(page, 'GET', `/api/v1/processos/${found.p.id}/passos?page_size=500`);
    assert.equal(nested, passos.body.items.filter((x) => x.nivel === 1).length);
    await shot(page, 'processo');
  });

  await scenario('empresas: list with filters and one empresa\'s processos', async () => {
    await page.getByRole('link', { name: 'Empresas', exact: true }).click();
    await page.getByTestId('tabela-empresas').waitFor();
    const { body } = await api(page, 'GET', '/api/v1/empresas?page_size=25');
    await page.getByText(`${intBR.format(body.total)} empresas`).waitFor();
    await page.getByTestId('tabela-empresas').locator('tbody tr').first().click();
    await page.getByTestId('empresa-processos').waitFor();
    await page.getByTestId('empresa-processos').locator('table, [data-testid="empty"]').first().waitFor();
    await page.locator('.MuiCollapse-entered').first().waitFor();
    await shot(page, 'empresas');
  });

  await scenario('obrigações: the due dates nearest today first, overdue ones highlighted', async () => {
    await page.getByRole('link', { name: 'Obrigações', exact: true }).click();
    await page.getByTestId('tabela-obrigacoes').waitFor();
    const { body } = await api(page, 'GET', '/api/v1/obrigacoes?ordering=proximidade&page_size=25');
    assert.ok(body.total > 0);
    const shown = await page.getByTestId('tabela-obrigacoes').locator('tbody tr').count();
    assert.equal(shown, Math.min(25, body.total));
    const firstDue = body.items[0].data_vencimento;
    if (firstDue) {
      const [y, m, d] = firstDue.split('-');
      assert.equal(plain(await page.getByTestId('tabela-obrigacoes').locator('tbody tr').first().locator('td').first().locator('p').innerText()), `${d}/${m}/${y}`);
    }
    // Overdue ones: every row marked "Atrasada".
    await page.getByRole('button', { name: 'Atrasadas' }).click();
    await page.waitForURL(/situacao=atrasada/);
    const late = await api(page, 'GET', '/api/v1/obrigacoes?situacao=atrasada&page_size=25');
    assert.ok(late.body.total > 0, 'the simulated office has overdue obrigações');
    await page.getByText(`${intBR.format(late.body.total)} obrigações, vencimentos mais próximos de hoje primeiro`).waitFor();
    assert.equal(await page.getByTestId('atrasada').count(), Math.min(25, late.body.total));
    // Around today, for the screenshot: delivered, pending and overdue side by side.
    await page.getByRole('button', { name: 'Vencendo (±15 dias)' }).click();
    await page.waitForURL(/de=\d{4}-\d{2}-\d{2}&ate=/);
    await page.getByTestId('tabela-obrigacoes').waitFor();
    await shot(page, 'obrigacoes');
  });

  await scenario('obrigações: the date filter reads dd/mm/aaaa; "Exportar" downloads the whole filtered list', async () => {
    const de = new URL(page.url()).searchParams.get('de');
    const [y, m, d] = de.split('-');
    const field = page.getByRole('group', { name: 'Vencimento de' }).first();
    // The field's text is its sections (then its legend): the date comes first, as dd/mm/aaaa.
    assert.ok((await field.innerText()).replace(/[\u2066-\u2069\s]/g, '').startsWith(`${d}/${m}/${y}`));
    const download = page.waitForEvent('download');
    await page.getByTestId('exportar').click();
    await page.getByTestId('exportar-xlsx').click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^obrigacoes_\d{4}-\d{2}-\d{2}\.xlsx$/);
    assert.ok((await file.path()) !== null);
  });

  await scenario('responsáveis: the workload per person adds up to the API\'s totals', async () => {
    await page.getByRole('link', { name: 'Responsáveis', exact: true }).click();
    await page.getByTestId('tabela-responsaveis').waitFor();
    // The competência the page shows (the URL holds it only once changed from the default); the field's
    // text is the value, then its legend.
    const shown = (await page.getByTestId('responsaveis-competencia').innerText()).trim().split('\n')[0].trim();
    const competencia = /^\d{2}\/\d{4}$/.test(shown) ? shown : '';
    assert.ok(competencia || shown === 'Todas', `competência shown: ${shown}`);
    const query = competencia ? `?competencia=${encodeURIComponent(competencia)}` : '';
    const { body } = await api(page, 'GET', `/api/v1/dashboard/responsaveis${query}`);
    const rows = await page.getByTestId('tabela-responsaveis').locator('tbody tr').count();
    assert.equal(rows, body.items.length);
    await page.getByTestId('chart-responsaveis').locator('.recharts-bar-rectangle').first().waitFor();
    await shot(page, 'responsaveis');
  });

  await scenario('the dark theme is remembered after a reload', async () => {
    await page.getByTestId('alternar-tema').click();
    await page.reload();
    await page.getByRole('button', { name: 'Usar tema claro' }).waitFor();
    await page.getByTestId('alternar-tema').click();
    await page.getByRole('button', { name: 'Usar tema escuro' }).waitFor();
  });

  let contrato;
  await scenario('contratos: UASG list with vigência filters', async () => {
    await page.goto(`${env.baseUrl}/contratos?uasg=${DEMO_UASG}`);
    await page.getByTestId('tabela-contratos').waitFor();
    const all = await api(page, 'GET', `/api/contratos/?uasg=${DEMO_UASG}&page_size=100`);
    await page.getByText(`${intBR.format(all.body.total)} contratos da UASG ${DEMO_UASG}`).waitFor();
    await shot(page, 'contratos');
    await page.getByRole('tab', { name: 'Vencidos' }).click();
    const vencidos = await api(page, 'GET', `/api/contratos/?uasg=${DEMO_UASG}&vigencia=vencidos`);
    await page.getByText(`${intBR.format(vencidos.body.total)} contratos da UASG ${DEMO_UASG}`).waitFor();
    await page.getByRole('tab', { name: 'Todos' }).click();
    // A contract whose Empenhos tab has rows upstream (asked of the simulator, not of Espelho).
    for (const c of all.body.items) {
      const rows = await sim('GET', `/api/contrato/${c.id}/empenhos`);
      if (rows.length > 0 && c.tipo === 'Contrato') { contrato = { ...c, empenhos: rows }; break; }
    }
    assert.ok(contrato, 'a contract with empenhos exists');
  });

  await scenario('open a contract, click Empenhos: spinner, then the rows', async () => {
    await sim('POST', '/_control/reset');
    const syncs = countTabSyncs(page, 'empenhos');
    await page.goto(`${env.baseUrl}/contratos/${contrato.id}`);
    await page.getByText('Escolha uma aba.').waitFor();
    // Slow upstream, so the spinner is on screen long enough to be seen.
    await sim('POST', '/_control/latency', { latency_ms: 1500, list_delay_s: 0 });
    await page.getByTestId('tab-empenhos').click();
    await page.getByTestId('aba-spinner').waitFor();
    await sim('POST', '/_control/latency', { latency_ms: 0, list_delay_s: 0 });
    await page.getByTestId('tabela-empenhos').waitFor();
    assert.equal(await page.getByTestId('tabela-empenhos').locator('tbody tr').count(), contrato.empenhos.length);
    await page.getByText(/Atualizado em \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/).waitFor();
    assert.equal(syncs.n, 1, 'one sync call for the first opening');
    await shot(page, 'contrato-empenhos');
  });

  await scenario('coming back to a loaded tab does not sync again', async () => {
    const syncs = countTabSyncs(page, 'empenhos');
    await page.getByTestId('tab-itens').click();
    await page.getByTestId('aba-itens').locator('table, [data-testid="empty"]').first().waitFor();
    await page.getByTestId('tab-empenhos').click();
    await page.getByTestId('tabela-empenhos').waitFor();
    await page.reload();
    await page.getByTestId('tabela-empenhos').waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(syncs.n, 0, 'no POST sincronizar/empenhos when returning to the tab');
  });

  await scenario('"Atualizar" refreshes the tab from Comprasnet', async () => {
    const changed = contrato.empenhos.map((r, i) => (i === 0 ? { ...r, numero: '2026NE999999' } : r));
    await sim('PUT', `/_control/contratos/${contrato.id}/empenhos`, changed);
    const syncs = countTabSyncs(page, 'empenhos');
    await page.getByTestId('atualizar').click();
    await page.getByTestId('tabela-empenhos').getByText('2026NE999999').waitFor();
    assert.equal(syncs.n, 1);
  });

  await scenario('with Comprasnet failing, the error shows and the stored rows stay', async () => {
    await sim('POST', '/_control/faults', { path_contains: '/empenhos', status: 500, times: 0 });
    const before = await page.getByTestId('tabela-empenhos').locator('tbody tr').count();
    await page.getByTestId('atualizar').click();
    await page.getByTestId('erro-aba').waitFor();
    assert.match(await page.getByTestId('erro-aba').innerText(), /Comprasnet não respondeu \(HTTP 50\d\)\. Mostrando os dados já armazenados/);
    assert.equal(await page.getByTestId('tabela-empenhos').locator('tbody tr').count(), before);
    await page.getByTestId('tabela-empenhos').getByText('2026NE999999').waitFor();
    await shot(page, 'contrato-erro');
    // A tab never loaded: the error and a retry, no rows invented.
    await sim('POST', '/_control/faults', { path_contains: '/arquivos', status: 503, times: 0 });
    await page.getByTestId('tab-arquivos').click();
    await page.getByTestId('aba-arquivos').getByTestId('erro-aba').waitFor();
    await page.getByRole('button', { name: 'Tentar novamente' }).waitFor();
    await sim('POST', '/_control/reset');
    await page.getByRole('button', { name: 'Tentar novamente' }).click();
    await page.getByTestId('aba-arquivos').locator('table, [data-testid="empty"]').first().waitFor();
  });

  await scenario('sincronização: trigger an incremental sync, see it in the history', async () => {
    await page.getByRole('link', { name: 'Sincronização', exact: true }).click();
    await page.getByTestId('tabela-sincronizacoes').waitFor();
    const before = (await api(page, 'GET', '/api/v1/sync/history')).body.total;
    await page.getByTestId('iniciar-sync').click();
    await page.locator('[data-testid="sincronizacao-rodando"], [data-testid="sincronizacao-concluida"]').first().waitFor();
    await page.waitForFunction(async (n) => {
      const r = await fetch('/api/v1/sync/history', { headers: { Authorization: `Bearer ${sessionStorage.getItem('espelho.token')}` } });
      const b = await r.json();
      return b.total > n && b.items[0].status !== 'INICIADA';
    }, before, { polling: 500, timeout: 120_000 });
    await page.getByTestId('tabela-sincronizacoes').locator('tbody tr').first().getByText(/Concluída|Erro/).waitFor();
    await shot(page, 'sincronizacao');
  });

  await scenario('whatsapp: link my phone with the code, the reply shows in the message log', async () => {
    const phone = '5511987654321';
    await page.getByRole('link', { name: 'WhatsApp', exact: true }).click();
    await page.getByTestId('gerar-codigo').click();
    const text = plain(await page.getByTestId('codigo').textContent());
    assert.match(text, /^VINCULAR [A-Z0-9]{8}$/);
    await page.getByLabel('QR code do link de vinculação').waitFor();
    // The phone sends the code: the simulator signs the event like Meta and posts it to the webhook.
    const r = await fetch(`${env.simUrl}/whatsapp/_control/inbound`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ webhook_url: `${env.baseUrl}/api/v1/webhooks/whatsapp`, app_secret: env.whatsappSecret, from: phone, text }),
    });
    assert.deepEqual((await r.json()).statuses, [200]);
    await page.getByTestId('vinculado').getByText('+55 11 98765-4321').waitFor();
    await page.reload();
    const log = page.getByTestId('tabela-mensagens');
    await log.getByText(text).waitFor();
    await log.getByText(/agora está vinculado ao Espelho/).waitFor();
    await shot(page, 'whatsapp');
  });

  await scenario('contratos: pick another UASG and "Sincronizar UASG" fills the list when the run ends', async () => {
    const other = '990001'; // the simulator's quirks UASG, not synced yet
    await page.goto(`${env.baseUrl}/contratos`);
    await page.getByTestId('uasg-input').fill(other);
    await page.waitForURL(new RegExp(`uasg=${other}`));
    await page.getByText(`Nenhum contrato da UASG ${other} com esses filtros.`).waitFor();
    await page.getByTestId('sincronizar-uasg').click();
    await page.getByText(new RegExp(`^[1-9][\\d.]* contratos da UASG ${other}$`)).waitFor({ timeout: 60_000 });
    const { body } = await api(page, 'GET', `/api/contratos/?uasg=${other}`);
    assert.ok(body.total > 0);
    await page.getByText(`${intBR.format(body.total)} contratos da UASG ${other}`).waitFor();
  });

  await scenario('an expired or revoked token sends the user back to login', async () => {
    await page.evaluate(() => sessionStorage.setItem('espelho.token', 'not-a-valid-token'));
    await page.goto(`${env.baseUrl}/obrigacoes`);
    await page.waitForURL(/\/login\?next=%2Fobrigacoes/);
    await page.getByText('Sua sessão terminou. Entre novamente.').waitFor();
  });

  await scenario('a USER may read but sees no sync buttons', async () => {
    await login(page, env.baseUrl, VIEWER);
    await page.goto(`${env.baseUrl}/sincronizacao`);
    await page.getByText('Somente usuários ADMIN ou MANAGER podem iniciar sincronizações.').waitFor();
    await page.goto(`${env.baseUrl}/contratos?uasg=${DEMO_UASG}`);
    await page.getByTestId('tabela-contratos').waitFor();
    assert.equal(await page.getByTestId('sincronizar-uasg').count(), 0);
  });

  await scenario('responsive: the dashboard on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo', deviceScaleFactor: 1 });
    phone.setDefaultTimeout(TIMEOUT);
    const p = await phone.newPage();
    await login(p, env.baseUrl, ADMIN);
    await p.getByTestId('stat-total-value').waitFor();
    await p.getByRole('button', { name: 'Abrir menu' }).waitFor();
    await shot(p, 'dashboard-celular');
    await phone.close();
  });

  await scenario('no uncaught errors in the page', async () => {
    assert.deepEqual(consoleErrors, []);
  });
}

process.exit(await runScenarios(main, () => [browser, env]));
