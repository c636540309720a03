import { Chip } from '@mui/material';

type Color = 'default' | 'success' | 'warning' | 'error' | 'info' | 'primary';

const COLORS: Array<[RegExp, Color]> = [
  [/^ent\. atrasada|atraso justificado/i, 'warning'],
  [/^(ok|conclu|entregue|ent\.|concluida|ativa|ativo|vigente|lida)/i, 'success'],
  [/(atrasad|erro|vencid|excluí|desist|bloque|inativ|falhou)/i, 'error'],
  [/(pendente|andamento|iniciada|aguardando|agendado|suspenso|próxim|proxim|prazo)/i, 'warning'],
];

export function statusColor(status: string | null | undefined): Color {
  if (!status) return 'default';
  for (const [re, color] of COLORS) if (re.test(status)) return color;
  return 'default';
}

const LABELS: Record<string, string> = {
  INICIADA: 'Em andamento', CONCLUIDA: 'Concluída', ERRO: 'Erro',
  ativos: 'Vigente', vencidos: 'Vencido', proximos_vencer: 'Próximo a vencer',
};

export function StatusChip({ status, label }: { status: string | null | undefined; label?: string }) {
  if (!status) return <>—</>;
  const text = label ?? LABELS[status] ?? status;
  return <Chip size="small" variant="outlined" color={statusColor(LABELS[status] ?? status)} label={text} />;
}
