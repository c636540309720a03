// The change history as a timeline: what a sync saw change, when, on which process or obrigação.
import { Link as RouterLink } from 'react-router-dom';
import { Link, List, ListItem, ListItemIcon, ListItemText, Typography } from '@mui/material';
import AddCircleOutlineIcon from '@mui/icons-material/AddCircleOutline';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import HelpOutlineIcon from '@mui/icons-material/HelpOutline';
import RemoveCircleOutlineIcon from '@mui/icons-material/RemoveCircleOutline';
import SwapHorizIcon from '@mui/icons-material/SwapHoriz';
import TrendingUpIcon from '@mui/icons-material/TrendingUp';
import EventBusyIcon from '@mui/icons-material/EventBusy';
import TaskAltIcon from '@mui/icons-material/TaskAlt';
import type { Alteracao, TipoAlteracao } from '../../api/types';
import { formatDateTime, formatPercent } from '../../lib/format';

const ICONE: Record<TipoAlteracao, React.ReactNode> = {
  processo_novo: <AddCircleOutlineIcon color="primary" />,
  processo_status: <SwapHorizIcon color="primary" />,
  processo_porcentagem: <TrendingUpIcon color="primary" />,
  passo_concluido: <CheckCircleIcon color="success" />,
  desdobramento_respondido: <HelpOutlineIcon color="success" />,
  processo_removido: <RemoveCircleOutlineIcon color="error" />,
  obrigacao_entregue: <TaskAltIcon color="success" />,
  obrigacao_atrasada: <EventBusyIcon color="error" />,
};

/** One change in Portuguese: "Status: Em andamento → Concluído", "Passo concluído: Apurar"… */
export function descreverAlteracao(a: Alteracao): string {
  const de = a.valor_anterior ?? '—';
  const para = a.valor_novo ?? '—';
  switch (a.tipo) {
    case 'processo_novo':
      return 'Novo processo';
    case 'processo_status':
      return `Status: ${de} → ${para}`;
    case 'processo_porcentagem':
      return `Progresso: ${formatPercent(a.valor_anterior)} → ${formatPercent(a.valor_novo)}`;
    case 'passo_concluido':
      return `Passo concluído: ${a.descricao ?? '—'}`;
    case 'desdobramento_respondido':
      return `${a.descricao ?? 'Desdobramento'} — resposta: ${para}`;
    case 'processo_removido':
      return 'Processo removido na Acessórias';
    case 'obrigacao_entregue':
      return `${a.descricao ?? 'Obrigação'} entregue (${para})`;
    case 'obrigacao_atrasada':
      return `${a.descricao ?? 'Obrigação'} em atraso`;
  }
}

/** `comProcesso`: name the process and its empresa on each line (the office-wide feed). */
export function AlteracoesList({ items, comProcesso = false, testId }: {
  items: Alteracao[];
  comProcesso?: boolean;
  testId: string;
}) {
  return (
    <List dense data-testid={testId} aria-label="Alterações">
      {items.map((a) => (
        <ListItem key={a.id} alignItems="flex-start" data-tipo={a.tipo} sx={{ borderLeft: '2px solid', borderColor: 'divider', ml: 1 }}>
          <ListItemIcon sx={{ minWidth: 36, mt: 0.5 }}>{ICONE[a.tipo]}</ListItemIcon>
          <ListItemText
            primary={<Typography variant="body2">{descreverAlteracao(a)}</Typography>}
            secondary={
              <>
                {formatDateTime(a.visto_em)}
                {comProcesso && a.processo_id !== null && (
                  <>
                    {' · '}
                    <Link component={RouterLink} to={`/processos/${a.processo_id}`}>
                      {a.processo_titulo ?? `Processo ${a.proc_id ?? a.processo_id}`}
                    </Link>
                  </>
                )}
                {comProcesso && a.empresa_nome ? ` · ${a.empresa_nome}` : ''}
                {a.competencia ? ` · ${a.competencia}` : ''}
              </>
            }
          />
        </ListItem>
      ))}
    </List>
  );
}
