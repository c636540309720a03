import type { ReactElement } from 'react';
import type { RouteProps } from 'react-router-dom';
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { configureClient } from '../api/http';
import { client } from '../client/client.gen';
import { createQueryClient, Providers } from '../providers';

export type Handler = (request: Request, match: RegExpMatchArray) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/**
 * Routes the generated client's fetch to handlers keyed by "METHOD /path-regex"; records every request.
 * An unmatched request fails the test loudly (404 with the path).
 */
/** The backend's rules (GET /api/v1/regras), as the backend answers them by default. */
export const REGRAS = {
  data: '2026-11-23',
  competencia_atual: '10/2026',
  obrigacao_situacoes: [
    { valor: 'entregue', rotulo: 'Entregue' }, { valor: 'dispensada', rotulo: 'Dispensada' },
    { valor: 'atrasada', rotulo: 'Atrasada' }, { valor: 'a_vencer', rotulo: 'A vencer' }, { valor: 'pendente', rotulo: 'Pendente' },
  ],
  vencem_dias: 7,
  processo_fechado: ['Concluído', 'Desistência', 'Excluído'],
  contratos_proximos_vencer_dias: 30,
  contrato_abas: [
    { aba: 'historico', label: 'Histórico', atualizado_em: 'historico_atualizado_em' },
    { aba: 'empenhos', label: 'Empenhos', atualizado_em: 'empenhos_atualizados_em' },
    { aba: 'itens', label: 'Itens', atualizado_em: 'itens_atualizados_em' },
    { aba: 'arquivos', label: 'Arquivos', atualizado_em: 'arquivos_atualizados_em' },
  ],
  processo_status: ['Em andamento', 'Concluído', 'Suspenso', 'Desistência', 'Agendado', 'Aguardando aprovação', 'Excluído'],
  ano_minimo: 1900,
  ano_maximo: 2100,
};

export function mockApi(given: Record<string, Handler>) {
  const routes: Record<string, Handler> = { 'GET /api/v1/regras/': () => json(REGRAS), ...given };
  const calls: { method: string; path: string; search: string }[] = [];
  const fetchMock = async (input: Request) => {
    const url = new URL(input.url);
    calls.push({ method: input.method, path: url.pathname, search: url.search });
    for (const [key, handler] of Object.entries(routes)) {
      const [method, pattern] = key.split(' ');
      const match = url.pathname.match(new RegExp(`^${pattern}$`));
      if (method === input.method && match) return handler(input, match);
    }
    return json({ error: 'not_found', detail: `unmocked ${input.method} ${url.pathname}` }, 404);
  };
  configureClient('http://api.test');
  client.setConfig({ baseUrl: 'http://api.test', fetch: fetchMock as typeof fetch });
  return { calls, count: (method: string, path: RegExp) => calls.filter((c) => c.method === method && path.test(c.path)).length };
}

export function renderAt(path: string, routePattern: string, element: ReactElement, extraRoutes: ReactElement<RouteProps>[] = []) {
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: 30_000 }, mutations: { retry: false } });
  const result = render(
    <MemoryRouter initialEntries={[path]}>
      <Providers client={queryClient}>
        <Routes>
          <Route path={routePattern} element={element} />
          {extraRoutes}
          {!extraRoutes.some((r) => r.props.path === '/login') && <Route path="/login" element={<div>página de login</div>} />}
        </Routes>
      </Providers>
    </MemoryRouter>,
  );
  return { ...result, queryClient };
}
