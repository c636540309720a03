import { useQuery } from '@tanstack/react-query';
import { downloadFile } from '../../api/download';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import type { Relatorio } from '../../api/types';
import { downloadRelatorio, listRelatorios, relatorioDaCompetencia } from '../../client/sdk.gen';

/** The reports the daily job stored (the last 30). */
export function useRelatorios() {
  return useQuery({ queryKey: keys.relatorios, queryFn: () => unwrap(listRelatorios()) });
}

/** Downloads a stored report. */
export function baixarRelatorio(r: Relatorio): Promise<string> {
  return downloadFile(downloadRelatorio({ path: { relatorio_id: r.id }, parseAs: 'blob' }), r.nome_arquivo);
}

/** Generates the report of `competencia` (MM/AAAA) now and downloads it. */
export function gerarRelatorio(competencia: string): Promise<string> {
  const comp = competencia.replace('/', '-');
  return downloadFile(relatorioDaCompetencia({ path: { comp }, parseAs: 'blob' }), `relatorio_${comp}.xlsx`);
}
