// Every TanStack Query key comes from this factory, and so does what a finished sync makes stale: a hook
// and an invalidation can never spell the same key two ways.
type Key = readonly unknown[];

export const keys = {
  me: (token: string | null) => ['auth', 'me', token] as const,
  regras: ['regras'] as const,
  sync: {
    all: ['sync'] as const,
    status: () => ['sync', 'status'] as const,
    history: (page: number, pageSize: number, origem?: string) => ['sync', 'history', page, pageSize, origem] as const,
  },
  dashboard: {
    all: ['dashboard'] as const,
    metricas: (competencia: string) => ['dashboard', 'metricas', competencia] as const,
    regimes: (competencia: string) => ['dashboard', 'regimes', competencia] as const,
    timeline: (de: string, ate: string) => ['dashboard', 'timeline', de, ate] as const,
    responsaveis: (competencia: string) => ['dashboard', 'responsaveis', competencia] as const,
    gargalos: (competencia: string) => ['dashboard', 'gargalos', competencia] as const,
    resumo: () => ['dashboard', 'resumo'] as const,
  },
  processos: { all: ['processos'] as const, list: (filtros: object) => ['processos', filtros] as const },
  processo: {
    all: ['processo'] as const,
    one: (id: string | number) => ['processo', String(id)] as const,
    passos: (id: string | number) => ['processo', String(id), 'passos'] as const,
    desdobramentos: (id: string | number) => ['processo', String(id), 'desdobramentos'] as const,
    historico: (id: string | number) => ['processo', String(id), 'historico'] as const,
  },
  empresas: {
    all: ['empresas'] as const,
    list: (filtros: object) => ['empresas', filtros] as const,
    search: (q: string) => ['empresas', 'busca', q] as const,
  },
  empresa: {
    all: ['empresa'] as const,
    one: (id: number) => ['empresa', id] as const,
    processos: (id: number | null, page: number, pageSize: number) => ['empresa', id, 'processos', page, pageSize] as const,
  },
  obrigacoes: { all: ['obrigacoes'] as const, list: (filtros: object) => ['obrigacoes', filtros] as const },
  alteracoes: { all: ['alteracoes'] as const, list: (filtros: object) => ['alteracoes', filtros] as const },
  contratos: { all: ['contratos'] as const, list: (filtros: object) => ['contratos', filtros] as const },
  contrato: {
    all: ['contrato'] as const,
    one: (id: string | number) => ['contrato', String(id)] as const,
    aba: (id: string | number, aba: string) => ['contrato', String(id), 'aba', aba] as const,
  },
  uasgs: ['uasgs'] as const,
  whatsapp: {
    all: ['whatsapp'] as const,
    vinculo: () => ['whatsapp', 'vinculo'] as const,
    mensagens: (page: number, pageSize: number) => ['whatsapp', 'mensagens', page, pageSize] as const,
  },
  relatorios: ['relatorios'] as const,
  usuarios: {
    all: ['usuarios'] as const,
    list: (page: number, pageSize: number) => ['usuarios', page, pageSize] as const,
    pessoas: () => ['usuarios', 'pessoas'] as const,
  },
};

/** What a finished sync of each upstream may have changed on screen. */
export const changedBySync: Record<string, Key[]> = {
  ACESSORIAS: [keys.dashboard.all, keys.processos.all, keys.processo.all, keys.empresas.all, keys.empresa.all,
    keys.obrigacoes.all, keys.alteracoes.all],
  COMPRASNET: [keys.contratos.all, keys.contrato.all, keys.uasgs],
};
