// Shapes the pages read. Where the generated client (src/client/types.gen.ts) has the schema, these are
// aliases of it; the optional fields keep the pages working while a backend part is still landing.
export type Money = number | string | null;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface Usuario {
  id: number;
  email: string;
  nome?: string | null;
  role: 'ADMIN' | 'MANAGER' | 'USER';
}

export interface Token {
  access_token: string;
  token_type: string;
}

export interface Empresa {
  id: number;
  codigo?: number;
  nome: string;
  fantasia?: string | null;
  cnpj?: string | null;
  identificador?: string | null;
  regime_tributario?: string | null;
  ativa?: boolean;
  status?: string | null;
  uf?: string | null;
  total_processos?: number | null;
}

export interface Processo {
  id: number;
  proc_id: number;
  nome: string;
  titulo?: string | null;
  competencia?: string | null;
  status?: string | null;
  porcentagem_conclusao?: Money;
  total_passos?: number;
  passos_concluidos?: number;
  dias_corridos?: number | null;
  data_inicio?: string | null;
  data_conclusao?: string | null;
  regime_tributario?: string | null;
  departamento?: string | null;
  criador?: string | null;
  gestor?: string | null;
  observacoes?: string | null;
  empresa_id?: number | null;
  empresa_nome?: string | null;
  empresa_cnpj?: string | null;
  empresa?: { id: number; nome: string; cnpj?: string | null } | null;
  dt_last_dh?: string | null;
  sincronizado_em?: string | null;
}

export interface Passo {
  id: number;
  caminho: string;
  ordem: number;
  nivel: number;
  parent_id?: number | null;
  tipo?: string | null;
  nome: string;
  status?: string | null;
  concluido?: boolean;
  responsavel?: string | null;
  prazo?: string | null;
  bloqueante?: boolean | null;
  entrega_tipo?: string | null;
  entrega_nome?: string | null;
}

export interface Alternativa {
  nome: string;
  acao_tipo?: string | null;
  acao_nome?: string | null;
}

export interface Desdobramento {
  id: number;
  pergunta: string;
  alternativas: Alternativa[] | null;
  resposta: string | null;
  status?: string | null;
  respondido?: boolean;
  caminho?: string | null;
}

export interface Obrigacao {
  id: number;
  tipo: string;
  descricao?: string | null;
  categoria?: string | null;
  status?: string | null;
  competencia?: string | null;
  data_vencimento?: string | null;
  data_atraso?: string | null;
  data_entrega?: string | null;
  responsavel?: string | null;
  departamento?: string | null;
  empresa_id?: number | null;
  empresa_nome?: string | null;
  empresa_cnpj?: string | null;
  atrasada?: boolean | null;
}

export interface Metricas {
  competencia?: string | null;
  total_processos: number;
  concluidos: number;
  em_andamento: number;
  taxa_conclusao: number | null;
  media_conclusao?: number | null;
  media_dias: number | null;
  total_empresas?: number | null;
  /** Change against the previous competência, per metric (percent points or percent). */
  variacao?: Record<string, number | null> | null;
  calculada_em?: string | null;
  ultima_sincronizacao?: string | null;
  [key: string]: unknown;
}

export interface RegimeMetrica {
  regime: string;
  total: number;
  concluidos: number;
  taxa_conclusao: number | null;
  media_dias: number | null;
}

export interface TimelinePonto {
  competencia?: string | null;
  data?: string | null;
  total: number;
  concluidos: number;
  [key: string]: unknown;
}

export interface Sincronizacao {
  id: number;
  origem: string;
  tipo: string;
  escopo: string;
  competencia: string | null;
  status: string;
  total_processos: number | null;
  processos_novos: number | null;
  processos_atualizados: number | null;
  processos_removidos: number | null;
  mensagem_erro: string | null;
  tempo_execucao: number | null;
  api_calls: number | null;
  estatisticas?: Record<string, unknown> | null;
  iniciada_em: string;
  concluida_em: string | null;
  heartbeat_em?: string | null;
}

export interface SyncStatus {
  em_andamento: Sincronizacao[];
  ultimas: Sincronizacao[];
}

export interface Contrato {
  id: number;
  numero: string | null;
  tipo?: string | null;
  uasg_codigo?: string | null;
  situacao?: string | null;
  vigencia?: string | null;
  categoria?: string | null;
  fornecedor_cnpj_cpf?: string | null;
  fornecedor_nome?: string | null;
  processo?: string | null;
  objeto?: string | null;
  modalidade?: string | null;
  licitacao_numero?: string | null;
  data_assinatura?: string | null;
  data_publicacao?: string | null;
  vigencia_inicio?: string | null;
  vigencia_fim?: string | null;
  valor_inicial?: Money;
  valor_global?: Money;
  num_parcelas?: number | null;
  valor_parcela?: Money;
  valor_acumulado?: Money;
  unidade_gestora_codigo?: string | null;
  unidade_gestora_nome?: string | null;
  unidade_gestora_nome_resumido?: string | null;
  historico_atualizado_em?: string | null;
  empenhos_atualizados_em?: string | null;
  itens_atualizados_em?: string | null;
  arquivos_atualizados_em?: string | null;
  detalhes_atualizados_em?: string | null;
  historico_atualizado?: boolean;
  empenhos_atualizados?: boolean;
  itens_atualizados?: boolean;
  arquivos_atualizados?: boolean;
}

export type Aba = 'historico' | 'empenhos' | 'itens' | 'arquivos';

export type AbaRow = { id: number } & Record<string, unknown>;

export interface AbaSincronizada extends Page<AbaRow> {
  atualizado_em: string | null;
}
