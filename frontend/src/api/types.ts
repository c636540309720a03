// The shapes the pages read, named after the backend's schemas (src/client/types.gen.ts is generated
// from its OpenAPI; see `npm run gen-client`).
import type * as T from '../client/types.gen';

export interface Page<Item> {
  items: Item[];
  total: number;
  page: number;
  page_size: number;
}

export type Empresa = T.EmpresaOut;
export type Processo = T.ProcessoOut & Partial<Pick<T.ProcessoDetalhe, 'criador' | 'gestor' | 'gestor_nome' | 'observacoes'>>;
export type Passo = T.PassoOut;
export type Desdobramento = T.DesdobramentoOut;
export type Obrigacao = T.ObrigacaoOut & { empresa_cnpj?: string | null; atrasada?: boolean | null };
export type Metricas = T.DashboardMetricas;
export type RegimeMetrica = T.RegimeMetricas;
export type TimelinePonto = T.TimelinePonto;
export type Sincronizacao = T.SincronizacaoOut;
export type Progresso = T.Progresso;
export type Alteracao = T.AlteracaoOut;
export type TipoAlteracao = T.AlteracaoOut['tipo'];
export type PedidoSync = T.ManualSyncRequest;
export type ContratoResumo = T.ContratoResumo;
export type Contrato = T.ContratoDetalhe;
export type Aba = T.AbaSyncOut['aba'];
export type AbaRow = { id: number } & Record<string, unknown>;
export type AbaRegra = T.AbaRegra;
export type { CargaResponsavel, Gargalo, RelatorioOut as Relatorio } from '../client/types.gen';

/** One desdobramento alternative as the backend stores it. */
export interface Alternativa {
  nome: string;
  acao_tipo?: string | null;
  acao_nome?: string | null;
}
export type WhatsAppVinculo = T.VinculoOut;
export type WhatsAppMensagem = T.MensagemOut;
