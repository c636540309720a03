import { Chip, Tooltip } from '@mui/material';
import { useSyncStatus } from './hooks';

const HORA = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'short' });

/** "Dados de há N min": how far behind Acessórias the mirror may be (the server's `atualizado_ate`). */
export function Frescor() {
  const status = useSyncStatus();
  const acessorias = status.data?.frescor?.find((f) => f.origem === 'ACESSORIAS');
  if (!acessorias?.atualizado_ate) return null;
  const ate = new Date(acessorias.atualizado_ate);
  const minutos = Math.max(0, Math.floor((Date.now() - ate.getTime()) / 60_000));
  const rotulo = minutos < 1 ? 'Dados de agora' : `Dados de há ${minutos} min`;
  const dica = `Toda mudança no Acessórias até ${HORA.format(ate)} está no espelho.` +
    (acessorias.aviso ? ` ${acessorias.aviso}` : '');
  return (
    <Tooltip title={dica}>
      <Chip size="small" variant="outlined" label={rotulo} data-testid="frescor"
        color={acessorias.sondagem === 'adiada' || minutos > 20 ? 'warning' : 'default'} />
    </Tooltip>
  );
}
