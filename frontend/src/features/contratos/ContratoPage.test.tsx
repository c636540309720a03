import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, mockApi, renderAt } from '../../test/utils';
import { ABA_COLUMNS, ContratoPage } from './ContratoPage';

const CONTRATO = {
  id: 42, numero: '00001/2024', uasg: '160123', tipo: 'Contrato', fornecedor_nome: 'ACME LTDA',
  fornecedor_cnpj_cpf: '12345678000190', objeto: 'Limpeza', valor_global: '1234567.89', valor_inicial: '1000',
  vigencia_inicio: '2024-01-01', vigencia_fim: '2030-12-31', dias_para_vencer: 1500, vigente: true,
  historico_atualizado_em: null, empenhos_atualizados_em: null, itens_atualizados_em: null, arquivos_atualizados_em: null,
  historico_atualizado: false, empenhos_atualizados: false, itens_atualizados: false, arquivos_atualizados: false,
};
const EMPENHO = { id: 7, numero: '2024NE000123', data_emissao: '2024-03-05', empenhado: '1500.5', liquidado: '0', pago: '100' };
const page = (items: unknown[], extra = {}) => ({ items, total: items.length, page: 1, page_size: 500, ...extra });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

beforeEach(() => sessionStorage.setItem('espelho.token', 'token'));

const me = { 'GET /api/v1/auth/me': () => json({ id: 1, email: 'a@example.com', role: 'ADMIN', nome: null }) };

describe('contract tabs', () => {
  it('a never-loaded tab syncs on open: spinner, then the rows and the timestamp', async () => {
    const answer = deferred<Response>();
    const api = mockApi({
      ...me,
      'GET /api/contratos/42/': () => json(CONTRATO),
      'POST /api/contratos/42/sincronizar/empenhos/': () => answer.promise,
    });
    renderAt('/contratos/42', '/contratos/:id', <ContratoPage />);
    await userEvent.click(await screen.findByRole('tab', { name: 'Empenhos' }));
    expect(await screen.findByTestId('aba-spinner')).toBeInTheDocument();
    answer.resolve(json({ ...page([EMPENHO]), contrato_id: 42, aba: 'empenhos', atualizado_em: '2026-11-23T16:00:00Z', api_calls: 1 }));
    const table = await screen.findByTestId('tabela-empenhos');
    expect(within(table).getByText('2024NE000123')).toBeInTheDocument();
    expect(within(table).getByText(/R\$\s1\.500,50/)).toBeInTheDocument();
    expect(screen.getByTestId('atualizado-em')).toHaveTextContent('Atualizado em 23/11/2026 13:00');
    expect(api.count('POST', /sincronizar\/empenhos/)).toBe(1);
  });

  it('coming back to a tab synced in this session reads the database only', async () => {
    const api = mockApi({
      ...me,
      'GET /api/contratos/42/': () => json(CONTRATO),
      'POST /api/contratos/42/sincronizar/itens/': () => json({ ...page([]), contrato_id: 42, aba: 'itens', atualizado_em: '2026-11-23T16:00:00Z', api_calls: 1 }),
      'GET /api/contratos/itens/': () => json(page([])),
      'GET /api/contratos/historico/': () => json(page([])),
    });
    renderAt('/contratos/42', '/contratos/:id', <ContratoPage />);
    await userEvent.click(await screen.findByRole('tab', { name: 'Itens' }));
    expect(await screen.findByText(/não tem registros nesta aba/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('tab', { name: 'Arquivos' }));
    await userEvent.click(screen.getByRole('tab', { name: 'Itens' }));
    expect(await screen.findByText(/não tem registros nesta aba/)).toBeInTheDocument();
    expect(api.count('POST', /sincronizar\/itens/)).toBe(1);
  });

  it('a loaded tab shows its stored rows, "Atualizado em" and "Atualizar"; a failed refresh keeps the rows', async () => {
    const loaded = { ...CONTRATO, empenhos_atualizados_em: '2026-11-20T12:30:00Z', empenhos_atualizados: true };
    const api = mockApi({
      ...me,
      'GET /api/contratos/42/': () => json(loaded),
      'GET /api/contratos/empenhos/': () => json(page([EMPENHO])),
      'POST /api/contratos/42/sincronizar/empenhos/': () =>
        json({ error: 'upstream_unavailable', detail: { message: 'Comprasnet answered 500', upstream: 'comprasnet', upstream_status: 500 } }, 503),
    });
    renderAt('/contratos/42?aba=empenhos', '/contratos/:id', <ContratoPage />);
    expect(await screen.findByText('2024NE000123')).toBeInTheDocument();
    expect(screen.getByTestId('atualizado-em')).toHaveTextContent('Atualizado em 20/11/2026 09:30');
    expect(api.count('POST', /sincronizar/)).toBe(0);
    await userEvent.click(await screen.findByRole('button', { name: 'Atualizar' }));
    expect(await screen.findByTestId('erro-aba')).toHaveTextContent('O Comprasnet não respondeu (HTTP 503). Mostrando os dados já armazenados.');
    expect(screen.getByText('2024NE000123')).toBeInTheDocument();
    expect(api.count('POST', /sincronizar\/empenhos/)).toBe(1);
  });

  it('a USER sees stored rows but no "Atualizar", and a never-loaded tab is not fetched', async () => {
    const api = mockApi({
      'GET /api/v1/auth/me': () => json({ id: 2, email: 'u@example.com', role: 'USER', nome: null }),
      'GET /api/contratos/42/': () => json(CONTRATO),
    });
    renderAt('/contratos/42?aba=arquivos', '/contratos/:id', <ContratoPage />);
    await screen.findByTestId('aba-arquivos');
    await waitFor(() => expect(api.count('GET', /auth\/me/)).toBe(1));
    expect(await screen.findByText(/Esta aba ainda não foi carregada/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Atualizar' })).not.toBeInTheDocument();
    expect(api.count('POST', /sincronizar/)).toBe(0);
  });
});

describe('contract header', () => {
  it('says which field could not be read, and shows the signing unit when it is another one', async () => {
    mockApi({
      ...me,
      'GET /api/contratos/42/': () => json({
        ...CONTRATO, data_assinatura: null, campos_invalidos: ['data_assinatura'], unidade_gestora_codigo: '787200',
        unidade_gestora_origem_codigo: '687200', unidade_gestora_origem_nome_resumido: 'FUNDO-EX',
        orgao_origem_nome: 'FUNDO NAVAL', unidades_requisitantes: '711000, 787200 e 787400.',
      }),
    });
    renderAt('/contratos/42', '/contratos/:id', <ContratoPage />);
    expect(await screen.findByTestId('campos-invalidos')).toHaveTextContent('data de assinatura');
    expect(screen.getByText('não pôde ser lida')).toBeInTheDocument();
    expect(screen.getByTestId('unidade-origem')).toHaveTextContent('687200 · FUNDO-EX (FUNDO NAVAL)');
    expect(screen.getByText('711000, 787200 e 787400.')).toBeInTheDocument();
  });
});

describe('Histórico', () => {
  it('shows the original contract row at its valor_global, not the unused novo_valor_global 0,00', () => {
    const coluna = ABA_COLUMNS.historico.find((c) => c.key === 'valor_global')!;
    const original = { id: 1, tipo: 'Contrato', valor_global: '93307.80', novo_valor_global: '0.00' };
    const aditivo = { id: 2, tipo: 'Termo Aditivo', valor_global: '93307.80', novo_valor_global: '120000.00' };
    expect(coluna.render!(original)).toMatch(/^R\$\s93\.307,80$/);
    expect(coluna.render!(aditivo)).toMatch(/^R\$\s120\.000,00$/);
  });
});
