import { useQuery } from '@tanstack/react-query';
import { act, screen, waitFor } from '@testing-library/react';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import { listProcessos } from '../../client/sdk.gen';
import { json, mockApi, renderAt } from '../../test/utils';
import { useSyncRefresh } from './useSyncRefresh';

beforeEach(() => sessionStorage.setItem('espelho.token', 'token'));

function Lista() {
  useSyncRefresh();
  const processos = useQuery({
    queryKey: keys.processos.list({}),
    queryFn: () => unwrap(listProcessos()),
  });
  return <div>{processos.data ? 'carregada' : 'carregando'}</div>;
}

const acessorias = (atualizadoAte: string, mudouEm: string | null) => ({
  origem: 'ACESSORIAS', atualizado_ate: atualizadoAte, atraso_s: 30, sondagem: 'ativa', sondagem_em: atualizadoAte,
  mudou_em: mudouEm, orcamento_pct: 30, orcamento_usado_pct: 4, aviso: null,
});

describe('useSyncRefresh', () => {
  it('reloads the office data when a probe wrote a change, not after every probe', async () => {
    let frescor = acessorias('2026-12-07T12:00:00Z', null);
    const api = mockApi({
      'GET /api/v1/sync/status/': () => json({ em_andamento: [], ultimas: [], frescor: [frescor] }),
      'GET /api/v1/processos/': () => json({ items: [], total: 0, page: 1, page_size: 25 }),
    });
    const { queryClient } = renderAt('/', '/', <Lista />);
    await screen.findByText('carregada');
    const loads = () => api.calls.filter((c) => c.path === '/api/v1/processos/').length;
    // One poll of the status, and whatever reload it starts, to its end.
    const poll = async () => {
      await act(() => queryClient.refetchQueries({ queryKey: keys.sync.status() }));
      await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    };
    expect(loads()).toBe(1);

    frescor = acessorias('2026-12-07T12:01:00Z', null); // a quiet probe: fresher, nothing new
    await poll();
    expect(loads()).toBe(1);

    frescor = acessorias('2026-12-07T12:02:00Z', '2026-12-07T12:02:05Z'); // a probe that wrote a change
    await poll();
    await waitFor(() => expect(loads()).toBe(2));
  });
});
