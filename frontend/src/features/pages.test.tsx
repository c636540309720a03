import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { type Handler, json, mockApi, renderAt } from '../test/utils';
import type { Desdobramento, Obrigacao } from '../api/types';
import { ContratosPage } from './contratos/ContratosPage';
import { DashboardPage, variacao } from './dashboard/DashboardPage';
import { EmpresasPage } from './empresas/EmpresasPage';
import { ObrigacoesPage } from './obrigacoes/ObrigacoesPage';
import { DesdobramentoCard, ProcessoPage } from './processos/ProcessoPage';
import { ProcessosPage } from './processos/ProcessosPage';
import { formatEta, ProgressoDaSincronizacao, SincronizacaoPage, Sinal } from './sincronizacao/SincronizacaoPage';

beforeEach(() => sessionStorage.setItem('espelho.token', 'token'));

const PROCESSO = {
  id: 5, proc_id: 6729, empresa_id: 3, empresa_nome: 'GERING LTDA', empresa_cnpj: '37093638000124',
  nome: 'Simples Nacional — Mensal', titulo: 'Simples Nacional — Mensal', competencia: '10/2026', status: 'Em andamento',
  porcentagem_conclusao: 45, total_passos: 4, passos_concluidos: 2, dias_corridos: 11, data_inicio: '2026-11-01',
  data_conclusao: '2026-11-20', regime_tributario: 'Simples Nacional - Serviços', departamento: 'Fiscal',
  dt_last_dh: null, removido_em: null, sincronizado_em: '2026-11-23T16:00:00Z',
  detalhes_atualizados_em: '2026-11-23T16:00:00Z',
};
const ALTERACOES = [
  { id: 2, tipo: 'processo_status', processo_id: 5, proc_id: 6729, processo_titulo: 'Simples Nacional — Mensal', obrigacao_id: null,
    empresa_id: 3, empresa_nome: 'GERING LTDA', competencia: '10/2026', descricao: null, valor_anterior: 'Em andamento',
    valor_novo: 'Concluído', visto_em: '2026-11-23T16:00:00Z', sincronizacao_id: 7 },
  { id: 1, tipo: 'passo_concluido', processo_id: 5, proc_id: 6729, processo_titulo: 'Simples Nacional — Mensal', obrigacao_id: null,
    empresa_id: 3, empresa_nome: 'GERING LTDA', competencia: '10/2026', descricao: 'Apurar', valor_anterior: 'Pendente',
    valor_novo: 'OK', visto_em: '2026-11-23T15:45:00Z', sincronizacao_id: 7 },
];
const envelope = (items: unknown[]) => ({ items, total: items.length, page: 1, page_size: 25 });

describe('dashboard', () => {
  const metricas = {
    competencia: '11/2026', regime: null, total_processos: 1234, concluidos: 617, abertos: 617, em_andamento: 617, taxa_conclusao: 50,
    media_conclusao: 70, media_dias: 11.75, total_empresas: 30, competencia_anterior: '10/2026',
    variacao: {
      total_processos: { anterior: 1000, diferenca: 234, percentual: 23.4 },
      concluidos: { anterior: 700, diferenca: -83, percentual: -11.857 },
      taxa_conclusao: { anterior: 70, diferenca: -20, percentual: -28.6 },
      media_dias: { anterior: null, diferenca: null, percentual: null },
    },
    calculada_em: '2026-11-23T15:00:00Z',
    mesmo_dia_anterior: {
      competencia: '10/2026', dia_do_ciclo: 22, data_corte: '2026-11-23', total: 1000, concluidos: 412, taxa_conclusao: 41.2,
    },
  };
  const gargalos = {
    competencia: '11/2026', data: '2026-11-23', em_andamento: 617, sem_passo_pendente: 17,
    items: [{ modelo: 'Fechamento Contábil', passo: 'Conciliação bancária', processos: 600, mediana_dias: 4.5, max_dias: 12 }],
  };
  /** Answers every request the dashboard makes: `metricas`, `gargalos` and empty lists; `given` replaces any of them. */
  const mockDashboard = (given: Record<string, Handler> = {}) => mockApi({
    'GET /api/v1/dashboard/metricas/': () => json(metricas),
    'GET /api/v1/dashboard/regimes/': () => json({ competencia: null, items: [], total_processos: 0, calculada_em: metricas.calculada_em }),
    'GET /api/v1/dashboard/timeline/': () => json({ granularidade: 'competencia', items: [], calculada_em: metricas.calculada_em }),
    'GET /api/v1/dashboard/gargalos/': () => json(gargalos),
    'GET /api/v1/sync/status/': () => json({ em_andamento: [], ultimas: [] }),
    'GET /api/v1/alteracoes/': () => json(envelope([])),
    'GET /api/v1/resumo/': () => json({
      data: '2026-11-23', competencia: '10/2026', processos_abertos: 617,
      obrigacoes: { atrasadas: 12, vencem_7_dias: 30, pendentes: 80, dispensadas: 2, entregues: 500 },
    }),
    ...given,
  });

  it('shows the API\'s numbers in Brazilian format with the change against the previous competência', async () => {
    const api = mockDashboard({ 'GET /api/v1/alteracoes/': () => json(envelope(ALTERACOES)) });
    renderAt('/', '/', <DashboardPage />);
    expect(await screen.findByTestId('stat-total-value')).toHaveTextContent('1.234');
    expect(screen.getByTestId('stat-concluidos-value')).toHaveTextContent('617');
    expect(screen.getByTestId('stat-taxa-value')).toHaveTextContent('50%');
    expect(screen.getByTestId('stat-media-dias-value')).toHaveTextContent('11,8 dias');
    expect(screen.getByTestId('stat-total')).toHaveTextContent('+23,4 % vs. mês anterior');
    expect(screen.getByTestId('stat-concluidos')).toHaveTextContent('−11,9 % vs. mês anterior');
    expect(screen.getByTestId('stat-taxa')).toHaveTextContent('−20 p.p. vs. mês anterior');
    expect(screen.getByTestId('stat-media-dias')).toHaveTextContent('sem comparação com o mês anterior');
    // The rate the previous competência had on the same day of its cycle.
    expect(screen.getByTestId('taxa-mesmo-dia')).toHaveTextContent('10/2026 no mesmo dia do ciclo (dia 22): 41,2%');
    const stuck = await screen.findByTestId('tabela-gargalos');
    expect(within(stuck).getByText('Conciliação bancária')).toBeInTheDocument();
    expect(within(stuck).getByText('4,5')).toBeInTheDocument();
    expect(screen.getByTestId('metricas-calculadas')).toHaveTextContent('Métricas calculadas em 23/11/2026 12:00');
    expect(screen.getByTestId('ultima-sincronizacao')).toHaveTextContent('Última sincronização: nenhuma');
    expect(await screen.findAllByText('Sem processos nesta competência.')).toHaveLength(1);
    // "O que mudou": the newest changes, each with its process.
    const feed = await screen.findByTestId('o-que-mudou');
    const linhas = within(feed).getAllByRole('listitem');
    expect(linhas[0]).toHaveTextContent('Status: Em andamento → Concluído');
    expect(linhas[0]).toHaveTextContent('GERING LTDA');
    expect(within(linhas[0]).getByRole('link', { name: 'Simples Nacional — Mensal' })).toHaveAttribute('href', '/processos/5');
    expect(linhas[1]).toHaveTextContent('Passo concluído: Apurar');
    // It opens on the backend's current competência (GET /api/v1/regras), and asks nothing before knowing it.
    const asked = api.calls.filter((c) => c.path === '/api/v1/dashboard/metricas/');
    expect(asked.map((c) => new URLSearchParams(c.search).get('competencia'))).toEqual(['10/2026']);
    // Today's figures come from GET /api/v1/resumo, each a link to its list.
    expect(await screen.findByTestId('resumo-obrigacoes-atrasadas-value')).toHaveTextContent('12');
    expect(screen.getByTestId('resumo-processos-abertos')).toHaveAttribute('href', '/processos?aberto=true');
    expect(screen.getByTestId('resumo-obrigacoes-vencem')).toHaveAttribute('href', '/obrigacoes?situacao=pendente&de=2026-11-23&ate=2026-11-30');
  });

  it('"O que mudou" pages and filters by kind and empresa', async () => {
    const api = mockDashboard({
      'GET /api/v1/alteracoes/': () => json({ ...envelope(ALTERACOES), total: 25, page_size: 10 }),
    });
    renderAt('/', '/', <DashboardPage />);
    await screen.findByTestId('o-que-mudou');
    const feedCalls = () => api.calls.filter((c) => c.path === '/api/v1/alteracoes/').map((c) => new URLSearchParams(c.search));
    await userEvent.click(screen.getByRole('button', { name: /página 3/i }));
    await waitFor(() => expect(feedCalls().some((q) => q.get('page') === '3')).toBe(true));
    await userEvent.click(within(screen.getByTestId('o-que-mudou-tipo')).getByRole('combobox'));
    await userEvent.click(await screen.findByRole('option', { name: 'Passos concluídos' }));
    await waitFor(() => expect(feedCalls().some((q) => q.get('tipo') === 'passo_concluido' && q.get('page') === '1')).toBe(true));
    await userEvent.type(screen.getByRole('textbox', { name: 'Empresa' }), 'GERING');
    await waitFor(() => expect(feedCalls().some((q) => q.get('empresa') === 'GERING' && q.get('tipo') === 'passo_concluido')).toBe(true));
  });

  it('shows the error with a retry when the API fails', async () => {
    mockDashboard({
      'GET /api/v1/dashboard/metricas/': () => json({ error: 'invalid_input', detail: 'competencia: bad' }, 422),
    });
    renderAt('/', '/', <DashboardPage />);
    const alert = await screen.findByTestId('error');
    expect(alert).toHaveTextContent('Dados inválidos: competencia: bad');
    expect(within(alert).getByRole('button', { name: 'Tentar novamente' })).toBeInTheDocument();
  });

  it('"Todas" asks for every competência', async () => {
    const api = mockDashboard({
      'GET /api/v1/dashboard/metricas/': () => json({ ...metricas, competencia: null, variacao: null }),
    });
    renderAt('/', '/', <DashboardPage />);
    await screen.findByTestId('stat-total-value');
    await userEvent.click(screen.getByRole('combobox', { name: 'Competência' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Todas' }));
    await waitFor(() => expect(api.calls.some((c) => c.path === '/api/v1/dashboard/metricas/' && !c.search.includes('competencia'))).toBe(true));
    expect(await screen.findByTestId('stat-total')).toHaveTextContent('sem comparação com o mês anterior');
  });

  it('reads percent change for counts and points for the rate', () => {
    expect(variacao(metricas, 'total_processos')).toBe(23.4);
    expect(variacao(metricas, 'taxa_conclusao', 'diferenca')).toBe(-20);
    expect(variacao(metricas, 'nao_existe')).toBeNull();
  });
});

describe('processos', () => {
  it('sends the filters from the URL and shows the rows with masked CNPJ', async () => {
    const api = mockApi({ 'GET /api/v1/processos/': () => json({ ...envelope([PROCESSO]), total: 26 }) });
    renderAt('/processos?status=Conclu%C3%ADdo&q=mensal', '/processos', <ProcessosPage />);
    const table = await screen.findByTestId('tabela-processos');
    expect(within(table).getByText('GERING LTDA')).toBeInTheDocument();
    expect(within(table).getByText('37.093.638/0001-24')).toBeInTheDocument();
    expect(within(table).getByText('01/11/2026')).toBeInTheDocument();
    expect(screen.getByText('26 processos encontrados')).toBeInTheDocument();
    const query = new URLSearchParams(api.calls.find((c) => c.path === '/api/v1/processos/')!.search);
    expect(query.get('status')).toBe('Concluído');
    expect(query.get('q')).toBe('mensal');
    expect(query.has('empresa')).toBe(false);
  });

  it('pages through the API', async () => {
    const api = mockApi({ 'GET /api/v1/processos/': () => json({ ...envelope([PROCESSO]), total: 60 }) });
    renderAt('/processos', '/processos', <ProcessosPage />);
    await screen.findByTestId('tabela-processos');
    await userEvent.click(screen.getByRole('button', { name: /próxima página|next page/i }));
    await screen.findByTestId('tabela-processos');
    expect(api.calls.some((c) => new URLSearchParams(c.search).get('page') === '2')).toBe(true);
  });
});

describe('listas ordenáveis', () => {
  const ordering = (api: ReturnType<typeof mockApi>, path: string) =>
    api.calls.filter((c) => c.path === path).map((c) => new URLSearchParams(c.search).get('ordering'));

  it('sorts empresas by name (pt-BR, on the server) and flips the direction from the header', async () => {
    const api = mockApi({ 'GET /api/v1/empresas/': () => json(envelope([{ id: 3, codigo: 283, nome: 'GERING LTDA', ativa: true }])) });
    renderAt('/empresas', '/empresas', <EmpresasPage />);
    const table = await screen.findByTestId('tabela-empresas');
    await userEvent.click(within(table).getByRole('button', { name: 'Empresa' }));
    await waitFor(() => expect(ordering(api, '/api/v1/empresas/')).toEqual([null, '-nome']));
    await userEvent.click(within(await screen.findByTestId('tabela-empresas')).getByRole('button', { name: 'Regime tributário' }));
    await waitFor(() => expect(ordering(api, '/api/v1/empresas/').at(-1)).toBe('regime_tributario'));
  });

  it('sorts contratos by a column, and each tab keeps its own order until one is chosen', async () => {
    const api = mockApi({
      'GET /api/contratos/': () => json(envelope([{ id: 9, numero: '00012/2024', uasg: '153080', tipo: 'Contrato', valor_global: '10.00' }])),
      'GET /api/contratos/uasgs/': () => json([]),
      'GET /api/v1/sync/status/': () => json({ em_andamento: [], ultimas: [] }),
    });
    renderAt('/contratos', '/contratos', <ContratosPage />);
    const table = await screen.findByTestId('tabela-contratos');
    await userEvent.click(within(table).getByRole('button', { name: 'Valor global' }));
    await waitFor(() => expect(ordering(api, '/api/contratos/')).toEqual([null, 'valor_global']));
  });
});

describe('processo', () => {
  const passos = [
    { id: 1, processo_id: 5, caminho: '1', pai_id: null, ordem: 1, nivel: 0, tipo: 'Passo simples', nome: 'Apurar', status: 'OK', concluido: true },
    { id: 2, processo_id: 5, caminho: '2', pai_id: null, ordem: 2, nivel: 0, tipo: 'Sub processo', nome: 'Folha', status: null, concluido: false },
    { id: 3, processo_id: 5, caminho: '2.1', pai_id: 2, ordem: 3, nivel: 1, tipo: 'Passo simples', nome: 'Calcular INSS', status: 'Pendente', concluido: false },
    { id: 4, processo_id: 5, caminho: '3', pai_id: null, ordem: 4, nivel: 0, tipo: 'Desdobramento', nome: 'Houve faturamento?', status: 'OK', concluido: true },
  ];
  const desdobramento = {
    id: 9, passo_id: 4, processo_id: 5, pergunta: 'Houve faturamento?', resposta: 'Sim', status: 'OK', respondido: true,
    alternativas: [{ nome: 'Sim', acao_tipo: 'Passo simples', acao_nome: 'Emitir DAS' }, { nome: 'Não', acao_tipo: null, acao_nome: null }],
    tipo: 'Passo simples', ordem: 4, data_resposta: null,
  };

  it('shows the header, the passos as a tree and the desdobramentos with the answer', async () => {
    mockApi({
      'GET /api/v1/processos/5/': () => json({ ...PROCESSO, criador: 'Ana', gestor: 'Bia', observacoes: '' }),
      'GET /api/v1/processos/5/passos/': () => json(envelope(passos)),
      'GET /api/v1/processos/5/desdobramentos/': () => json(envelope([desdobramento])),
      'GET /api/v1/processos/5/historico/': () => json(envelope(ALTERACOES)),
    });
    renderAt('/processos/5', '/processos/:id', <ProcessoPage />);
    expect(await screen.findByRole('heading', { name: 'Simples Nacional — Mensal' })).toBeInTheDocument();
    const tree = await screen.findByTestId('passos-tree');
    const items = within(tree).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-nivel'))).toEqual(['0', '0', '1', '0']);
    expect(items[2]).toHaveTextContent('Calcular INSS');
    const card = await screen.findByTestId('desdobramento');
    expect(card).toHaveTextContent('Resposta: Sim');
    expect(card).toHaveTextContent('Sim → Emitir DAS');
    expect(screen.getByText('45%')).toBeInTheDocument();
    const historico = await screen.findByTestId('historico');
    expect(within(historico).getAllByRole('listitem').map((li) => li.getAttribute('data-tipo')))
      .toEqual(['processo_status', 'passo_concluido']);
  });

  it('says the passos are not loaded yet while only the list header is mirrored', async () => {
    mockApi({
      'GET /api/v1/processos/5/': () => json({ ...PROCESSO, criador: null, gestor: null, observacoes: null, detalhes_atualizados_em: null }),
      'GET /api/v1/processos/5/passos/': () => json(envelope([])),
      'GET /api/v1/processos/5/desdobramentos/': () => json(envelope([])),
      'GET /api/v1/processos/5/historico/': () => json(envelope([])),
    });
    renderAt('/processos/5', '/processos/:id', <ProcessoPage />);
    expect(await screen.findByText(/passos ainda não carregados/i)).toBeInTheDocument();
    expect(screen.getByText('Desdobramentos ainda não carregados.')).toBeInTheDocument();
    expect(screen.queryByText('Este processo não tem passos sincronizados.')).not.toBeInTheDocument();
  });

  it('a pending desdobramento lists every alternative and waits for the answer', () => {
    const pending = { ...desdobramento, resposta: null, status: 'Pendente', respondido: false } as Desdobramento;
    renderAt('/', '/', <DesdobramentoCard d={pending} />);
    expect(screen.getByText('Aguardando resposta')).toBeInTheDocument();
    expect(screen.getByText('Não')).toBeInTheDocument();
  });
});

describe('obrigações', () => {
  const base = { id: 1, tipo: 'DAS', empresa_id: 1, status: 'Pendente', situacao: 'a_vencer', data_vencimento: '2026-11-20', data_entrega: null } as Obrigacao;

  it('opens on the due dates nearest today and highlights the overdue ones', async () => {
    const api = mockApi({
      'GET /api/v1/obrigacoes/': () => json(envelope([
        // The backend decides: a stale "Pendente" label past its date is atrasada; the label is only shown.
        { ...base, id: 1, status: 'Pendente', situacao: 'atrasada', data_vencimento: '2020-01-10', empresa_nome: 'ALFA' },
        { ...base, id: 2, status: 'Atrasada!', situacao: 'entregue', data_vencimento: '2020-01-15', data_entrega: '2020-01-12', empresa_nome: 'BETA' },
      ])),
    });
    renderAt('/obrigacoes', '/obrigacoes', <ObrigacoesPage />);
    const table = await screen.findByTestId('tabela-obrigacoes');
    expect(within(table).getAllByTestId('atrasada')).toHaveLength(1);
    expect(within(table).getByText('10/01/2020')).toBeInTheDocument();
    expect(new URLSearchParams(api.calls.find((c) => c.path === '/api/v1/obrigacoes/')!.search).get('ordering')).toBe('proximidade');
    expect(screen.getByText(/2 obrigações, vencimentos mais próximos de hoje primeiro/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Atrasadas' }));
    await screen.findByTestId('tabela-obrigacoes');
    expect(api.calls.some((c) => new URLSearchParams(c.search).get('situacao') === 'atrasada')).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Pendentes' }));
    await screen.findByTestId('tabela-obrigacoes');
    expect(api.calls.some((c) => new URLSearchParams(c.search).get('situacao') === 'pendente')).toBe(true);
  });

  it('says so when nothing matches', async () => {
    mockApi({ 'GET /api/v1/obrigacoes/': () => json(envelope([])) });
    renderAt('/obrigacoes', '/obrigacoes', <ObrigacoesPage />);
    expect(await screen.findByText('Nenhuma obrigação com esses filtros.')).toBeInTheDocument();
  });
});

describe('filter fields', () => {
  it('sends a competência only once it is a complete MM/AAAA', async () => {
    const api = mockApi({ 'GET /api/v1/processos/': () => json(envelope([PROCESSO])) });
    renderAt('/processos', '/processos', <ProcessosPage />);
    await screen.findByTestId('tabela-processos');
    await userEvent.type(screen.getByTestId('filtro-competencia'), '13/2');
    expect(await screen.findByText('Use MM/AAAA')).toBeInTheDocument();
    await userEvent.clear(screen.getByTestId('filtro-competencia'));
    await userEvent.type(screen.getByTestId('filtro-competencia'), '10/2026');
    await screen.findByTestId('tabela-processos');
    const sent = api.calls.filter((c) => c.path === '/api/v1/processos/').map((c) => new URLSearchParams(c.search).get('competencia'));
    expect(sent.filter(Boolean)).toEqual(['10/2026']);
  });
});

describe('sincronização', () => {
  const run = {
    id: 7, origem: 'ACESSORIAS', tipo: 'FULL', escopo: 'acessorias', competencia: null, status: 'INICIADA',
    total_processos: null, processos_novos: null, processos_atualizados: null, processos_removidos: null, mensagem_erro: null, erro_explicado: null,
    tempo_execucao: null, api_calls: null, estatisticas: null, iniciada_em: '2026-11-23T16:00:00Z', concluida_em: null,
    heartbeat_em: '2026-11-23T16:05:00Z',
  };

  it('shows the running run\'s phase, done/total and ETA, polled live', async () => {
    let feitos = 40;
    const api = mockApi({
      'GET /api/v1/sync/status/': () => json({
        em_andamento: [{ ...run, progresso: { fase: 'detalhes', feitos, total: 207, chamadas_restantes: 200 - feitos, eta_s: (200 - feitos) * 0.6 } }],
        ultimas: [],
      }),
      'GET /api/v1/sync/history/': () => json(envelope([])),
      'GET /api/v1/auth/me/': () => json({ id: 1, email: 'a@b.c', nome: 'A', role: 'ADMIN', ativo: true }),
    });
    renderAt('/sincronizacao', '/sincronizacao', <SincronizacaoPage />);
    const progresso = await screen.findByTestId('progresso');
    expect(progresso).toHaveTextContent('Fase: detalhes · 40 de 207 · faltam ~1 min 36 s (160 chamadas)');
    expect(within(progresso).getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(Math.round((40 * 100) / 207)));
    feitos = 100;
    await waitFor(() => expect(screen.getByTestId('progresso')).toHaveTextContent('100 de 207'), { timeout: 5_000 });
    expect(api.count('GET', /\/sync\/status\/$/)).toBeGreaterThan(1);
  });

  it('a full sync resumes by default and restarts from scratch when asked', async () => {
    const pedidos: unknown[] = [];
    mockApi({
      'GET /api/v1/sync/status/': () => json({ em_andamento: [], ultimas: [] }),
      'GET /api/v1/sync/history/': () => json(envelope([])),
      'GET /api/v1/auth/me': () => json({ id: 1, email: 'a@b.c', nome: 'A', role: 'ADMIN', ativo: true }),
      'POST /api/v1/sync/manual/': async (request) => {
        pedidos.push(await request.json());
        return json({ run_id: 8 + pedidos.length, status: 'INICIADA', origem: 'ACESSORIAS', tipo: 'FULL', escopo: 'acessorias' }, 202);
      },
    });
    const user = userEvent.setup();
    renderAt('/sincronizacao', '/sincronizacao', <SincronizacaoPage />);
    await user.click(await screen.findByRole('button', { name: 'Completa' }));
    const iniciar = async () => {
      await user.click(screen.getByTestId('iniciar-sync'));
      await user.click(await screen.findByRole('button', { name: 'Iniciar' }));
      await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    };
    await iniciar();
    expect(await screen.findByTestId('sincronizacao-rodando')).toHaveTextContent('Sincronização em andamento (nº 9)');
    await user.click(screen.getByRole('checkbox', { name: /Recomeçar do zero/ }));
    await iniciar();
    await waitFor(() => expect(screen.getByTestId('sincronizacao-rodando')).toHaveTextContent('(nº 10)'));
    expect(pedidos).toEqual([{ tipo: 'FULL', restart: false }, { tipo: 'FULL', restart: true }]);
  });

  it('a triggered run is followed to its end: a failure says in Portuguese what happened, details on demand', async () => {
    let ended = false;
    const failed = {
      ...run, id: 11, status: 'ERRO', concluida_em: '2026-11-23T16:01:00Z', mensagem_erro: 'acessorias failed with HTTP 500',
      erro_explicado: 'A Acessórias respondeu com um erro interno (HTTP 500): o problema está do lado dele.',
    };
    mockApi({
      'GET /api/v1/sync/status/': () => json(ended ? { em_andamento: [], ultimas: [failed] } : { em_andamento: [{ ...run, id: 11 }], ultimas: [] }),
      'GET /api/v1/sync/history/': () => json(envelope([])),
      'GET /api/v1/auth/me': () => json({ id: 1, email: 'a@b.c', nome: 'A', role: 'ADMIN', ativo: true }),
      'POST /api/v1/sync/manual/': () => json({ run_id: 11, status: 'INICIADA', origem: 'ACESSORIAS', tipo: 'INCREMENTAL', escopo: 'acessorias' }, 202),
    });
    const user = userEvent.setup();
    renderAt('/sincronizacao', '/sincronizacao', <SincronizacaoPage />);
    await user.click(await screen.findByTestId('iniciar-sync'));
    expect(await screen.findByTestId('sincronizacao-rodando')).toHaveTextContent('(nº 11)');
    ended = true;
    const erro = await screen.findByTestId('erro-sincronizacao', {}, { timeout: 10_000 });
    expect(erro).toHaveTextContent('A Acessórias respondeu com um erro interno (HTTP 500)');
    expect(screen.queryByTestId('sincronizacao-rodando')).not.toBeInTheDocument();
    expect(within(erro).queryByText('acessorias failed with HTTP 500')).not.toBeVisible();
    await user.click(within(erro).getByRole('button', { name: 'Detalhes' }));
    expect(within(erro).getByText('acessorias failed with HTTP 500')).toBeVisible();
  });

  it('says when a running run has gone silent, or still waits in the queue', () => {
    const quiet = renderAt('/', '/', <Sinal r={{ ...run, silencio_s: 20 }} />);
    expect(screen.queryByTestId('sinal')).not.toBeInTheDocument();
    quiet.unmount();
    const silent = renderAt('/', '/', <Sinal r={{ ...run, silencio_s: 330 }} />);
    expect(screen.getByTestId('sinal')).toHaveTextContent('Sem sinal há 5 min 30 s: o processo pode estar parado ou travado');
    silent.unmount();
    renderAt('/', '/', <Sinal r={{ ...run, heartbeat_em: null, silencio_s: 42 }} />);
    expect(screen.getByTestId('sinal')).toHaveTextContent('Na fila há 42 s, aguardando um worker.');
  });

  it('an unknown total (the list phase) shows an indeterminate bar', () => {
    renderAt('/', '/', <ProgressoDaSincronizacao p={{ fase: 'lista de processos', feitos: 0, total: null, chamadas_restantes: null, eta_s: null }} />);
    expect(screen.getByTestId('progresso')).toHaveTextContent('Fase: lista de processos');
    expect(screen.getByRole('progressbar')).not.toHaveAttribute('aria-valuenow');
  });

  it('formats the ETA', () => {
    expect(formatEta(42.4)).toBe('42 s');
    expect(formatEta(120)).toBe('2 min');
    expect(formatEta(3_545)).toBe('59 min 5 s');
  });
});
