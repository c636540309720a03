import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, mockApi, renderAt } from '../test/utils';
import { Layout } from '../components/Layout';
import { ObrigacoesPage } from './obrigacoes/ObrigacoesPage';
import { ProcessosPage } from './processos/ProcessosPage';
import { RelatoriosPage } from './relatorios/RelatoriosPage';
import { ResponsaveisPage } from './responsaveis/ResponsaveisPage';

beforeEach(() => {
  sessionStorage.setItem('espelho.token', 'token');
  localStorage.clear();
});

const envelope = (items: unknown[]) => ({ items, total: items.length, page: 1, page_size: 25 });
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function captureDownloads(): string[] {
  const names: string[] = [];
  URL.createObjectURL = vi.fn(() => 'blob:espelho');
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    names.push(this.download);
  });
  return names;
}

describe('Exportar', () => {
  it('downloads the whole filtered list with the server\'s file name', async () => {
    const downloads = captureDownloads();
    const api = mockApi({
      'GET /api/v1/processos/': (request) => new URL(request.url).searchParams.get('formato')
        ? new Response(new Blob(['x']), {
          headers: { 'Content-Type': XLSX, 'Content-Disposition': 'attachment; filename="processos_10-2026_2026-11-29.xlsx"' },
        })
        : json(envelope([])),
    });
    renderAt('/processos?competencia=10%2F2026&status=Conclu%C3%ADdo', '/processos', <ProcessosPage />);
    await userEvent.click(await screen.findByTestId('exportar'));
    await userEvent.click(await screen.findByTestId('exportar-xlsx'));
    await waitFor(() => expect(downloads).toEqual(['processos_10-2026_2026-11-29.xlsx']));
    const sent = new URLSearchParams(api.calls.find((c) => c.search.includes('formato'))!.search);
    expect(sent.get('formato')).toBe('xlsx');
    expect(sent.get('competencia')).toBe('10/2026');
    expect(sent.get('status')).toBe('Concluído');
    expect(sent.has('page')).toBe(false);
  });

  it('shows why an export failed', async () => {
    captureDownloads();
    mockApi({
      'GET /api/v1/processos/': (request) => new URL(request.url).searchParams.get('formato')
        ? json({ error: 'invalid_input', detail: 'competencia: bad' }, 422)
        : json(envelope([])),
    });
    renderAt('/processos', '/processos', <ProcessosPage />);
    await userEvent.click(await screen.findByTestId('exportar'));
    await userEvent.click(await screen.findByTestId('exportar-csv'));
    expect(await screen.findByText(/Não foi possível exportar: Dados inválidos/)).toBeInTheDocument();
  });
});

describe('responsáveis', () => {
  it('lists each person\'s workload with the totals', async () => {
    const api = mockApi({
      'GET /api/v1/dashboard/responsaveis/': () => json({
        competencia: '10/2026', data: '2026-11-23',
        items: [
          { responsavel: 'Joana Lima', passos_pendentes: 12, passos_concluidos: 30, obrigacoes_pendentes: 4, obrigacoes_atrasadas: 2, obrigacoes_entregues: 9, concluidos: 39 },
          { responsavel: 'Sem responsável', passos_pendentes: 1, passos_concluidos: 0, obrigacoes_pendentes: 0, obrigacoes_atrasadas: 0, obrigacoes_entregues: 0, concluidos: 0 },
        ],
        totais: { passos_pendentes: 13, passos_concluidos: 30, obrigacoes_pendentes: 4, obrigacoes_atrasadas: 2, obrigacoes_entregues: 9, concluidos: 39 },
      }),
    });
    renderAt('/responsaveis?competencia=10%2F2026', '/responsaveis', <ResponsaveisPage />);
    const table = await screen.findByTestId('tabela-responsaveis');
    expect(within(table).getByText('Joana Lima')).toBeInTheDocument();
    expect(within(table).getByText('39')).toBeInTheDocument();
    expect(screen.getByTestId('chart-responsaveis')).toBeInTheDocument();
    expect(screen.getByTestId('responsaveis-totais')).toHaveTextContent('13 passos pendentes, 4 obrigações pendentes (2 atrasadas)');
    expect(new URLSearchParams(api.calls.find((c) => c.path === '/api/v1/dashboard/responsaveis/')!.search).get('competencia')).toBe('10/2026');
  });
});

describe('relatórios', () => {
  it('lists the stored reports and downloads one', async () => {
    const downloads = captureDownloads();
    mockApi({
      'GET /api/v1/relatorios/': () => json([{
        id: 7, tipo: 'competencia', competencia: '10/2026', data: '2026-11-23', nome_arquivo: 'relatorio_10-2026_2026-11-23.xlsx',
        tamanho: 20480, gerado_em: '2026-11-23T03:00:00Z',
      }]),
      'GET /api/v1/relatorios/7/arquivo/': () => new Response(new Blob(['x']), {
        headers: { 'Content-Type': XLSX, 'Content-Disposition': 'attachment; filename="relatorio_10-2026_2026-11-23.xlsx"' },
      }),
    });
    renderAt('/relatorios', '/relatorios', <RelatoriosPage />);
    const table = await screen.findByTestId('tabela-relatorios');
    expect(within(table).getByText('23/11/2026')).toBeInTheDocument();
    await userEvent.click(within(table).getByRole('button', { name: 'relatorio_10-2026_2026-11-23.xlsx' }));
    await waitFor(() => expect(downloads).toEqual(['relatorio_10-2026_2026-11-23.xlsx']));
  });
});

describe('datas em pt-BR', () => {
  it('shows the due-date filter as dd/mm/aaaa and sends ISO dates', async () => {
    const api = mockApi({ 'GET /api/v1/obrigacoes/': () => json(envelope([])) });
    renderAt('/obrigacoes?de=2026-11-05', '/obrigacoes', <ObrigacoesPage />);
    await screen.findByText('Nenhuma obrigação com esses filtros.');
    const group = screen.getAllByRole('group', { name: 'Vencimento de' })[0];
    expect(group.textContent?.replace(/\u2066|\u2067|\u2068|\u2069/g, '')).toContain('05/11/2026');
    expect(new URLSearchParams(api.calls.find((c) => c.path === '/api/v1/obrigacoes/')!.search).get('de')).toBe('2026-11-05');
  });
});

describe('datas digitadas', () => {
  it('sends a typed date only once its year is whole: never the half-typed 0002, 0020, 0202', async () => {
    const api = mockApi({ 'GET /api/v1/obrigacoes/': () => json(envelope([])) });
    renderAt('/obrigacoes', '/obrigacoes', <ObrigacoesPage />);
    await screen.findByText('Nenhuma obrigação com esses filtros.');
    const group = screen.getAllByRole('group', { name: 'Vencimento de' })[0];
    await userEvent.click(within(group).getAllByRole('spinbutton')[0]);
    await userEvent.keyboard('05112026', { delay: null });
    await waitFor(() => expect(api.calls.some((c) => new URLSearchParams(c.search).get('de') === '2026-11-05')).toBe(true));
    const enviados = api.calls.map((c) => new URLSearchParams(c.search).get('de')).filter(Boolean);
    expect(enviados).toEqual(['2026-11-05']);
    expect(new URLSearchParams(api.calls.find((c) => c.path === '/api/v1/obrigacoes/')!.search).get('ordering')).toBe('proximidade');
  });
});

describe('tema', () => {
  it('switches to dark and remembers it in this browser', async () => {
    mockApi({
      'GET /api/v1/auth/me/': () => json({ id: 1, email: 'a@b.c', role: 'ADMIN', nome: null, ativo: true }),
      'GET /api/v1/sync/status/': () => json({ em_andamento: [], ultimas: [] }),
    });
    renderAt('/', '/', <Layout />);
    await userEvent.click(screen.getByRole('button', { name: 'Usar tema escuro' }));
    expect(localStorage.getItem('espelho.tema')).toBe('dark');
    expect(screen.getByRole('button', { name: 'Usar tema claro' })).toBeInTheDocument();
  });
});
