import type { ContratoResumo } from '../../api/types';
import { StatusChip } from '../../components/StatusChip';
import { useRegras } from '../../hooks/useRegras';
import { daysUntil, formatDate } from '../../lib/format';

type ComVigencia = Pick<ContratoResumo, 'vigencia_fim'> & { dias_para_vencer?: number | null };

/** The API's own count of days to vigencia_fim (Brasília "today"), or one computed here; `janela` is the
 * backend's "próximos a vencer" window in days. */
export function vigenciaDe(c: ComVigencia, janela: number, now = new Date()): 'ativos' | 'vencidos' | 'proximos_vencer' {
  const dias = c.dias_para_vencer ?? daysUntil(c.vigencia_fim, now);
  if (dias === null) return 'ativos';
  if (dias < 0) return 'vencidos';
  return dias <= janela ? 'proximos_vencer' : 'ativos';
}

/** A contract's vigência as a chip, by the backend's window (until it is known, no chip). */
export function VigenciaChip({ contrato }: { contrato: ComVigencia }) {
  const janela = useRegras().data?.contratos_proximos_vencer_dias;
  return janela === undefined ? null : <StatusChip status={vigenciaDe(contrato, janela)} />;
}

export function periodo(inicio: string | null | undefined, fim: string | null | undefined): string {
  if (!fim) return inicio ? `desde ${formatDate(inicio)}, sem fim` : '—';
  return `${formatDate(inicio)} a ${formatDate(fim)}`;
}
