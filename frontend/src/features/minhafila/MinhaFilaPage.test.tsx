import { screen, within } from '@testing-library/react';
import { json, mockApi, renderAt } from '../../test/utils';
import { abreNaMinhaFila } from './hooks';
import { MinhaFilaPage } from './MinhaFilaPage';

beforeEach(() => sessionStorage.setItem('espelho.token', 'token'));

const FILA = {
  data: '2026-12-07',
  responsavel: { id: 176900, nome: 'Joana Lima' },
  atrasadas: { total: 1, items: [{ id: 9, tipo: 'DAS', empresa: 'PADARIA SÃO JOSÉ', vencimento: '2026-12-01', situacao: 'atrasada' }] },
  vencem: { total: 0, items: [] },
  processos: {
    total: 1,
    items: [{ id: 5, proc_id: 6729, titulo: 'Fechamento Contábil', empresa: 'GERING LTDA', competencia: '11/2026',
      passo: 'Conciliação bancária', passo_responsavel: 'Joana Lima', parado_desde: '2026-11-20', dias_parado: 17 }],
  },
};

describe('Minha fila', () => {
  it('shows my overdue obrigações, mine due soon and my processos with how long each waited', async () => {
    const api = mockApi({ 'GET /api/v1/fila/': () => json(FILA) });
    renderAt('/minha-fila', '/minha-fila', <MinhaFilaPage />);
    const atrasadas = await screen.findByTestId('fila-atrasadas');
    expect(within(atrasadas).getByTestId('fila-atrasadas-total')).toHaveTextContent('1');
    expect(within(atrasadas).getByText('DAS')).toBeInTheDocument();
    expect(within(screen.getByTestId('fila-vencem')).getByText('Nenhuma obrigação vence nos próximos 7 dias.')).toBeInTheDocument();
    const processos = screen.getByTestId('fila-processos');
    expect(within(processos).getByText('Conciliação bancária')).toBeInTheDocument();
    expect(within(processos).getByText('17 dias')).toBeInTheDocument();
    expect(screen.getByText(/Joana Lima/)).toBeInTheDocument();
    expect(api.count('GET', /\/fila\/?$/)).toBe(1);
  });

  it('says so when the user is tied to no Acessórias person (409)', async () => {
    mockApi({
      'GET /api/v1/fila/': () => json({ error: 'sem_vinculo_acessorias', detail: 'Seu usuário não está vinculado a uma pessoa do Acessórias.' }, 409),
    });
    renderAt('/minha-fila', '/minha-fila', <MinhaFilaPage />);
    expect(await screen.findByTestId('sem-vinculo')).toHaveTextContent('não está vinculado');
  });

  it('is the home page of a USER tied to a person only', () => {
    const base = { id: 1, email: 'a@b.c', nome: null, ativo: true, criado_em: '', ultimo_acesso: null, acessorias_vinculo_manual: false };
    const joana = { id: 176900, nome: 'Joana Lima' };
    expect(abreNaMinhaFila({ ...base, role: 'USER', acessorias_usuario: joana })).toBe(true);
    expect(abreNaMinhaFila({ ...base, role: 'USER', acessorias_usuario: null })).toBe(false);
    expect(abreNaMinhaFila({ ...base, role: 'MANAGER', acessorias_usuario: joana })).toBe(false);
  });
});
