import { Alert, Button } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Link as RouterLink } from 'react-router-dom';
import { unwrap } from '../../api/http';
import { resumo } from '../../client/sdk.gen';
import { formatInteger } from '../../lib/format';
import { useMe } from '../auth/hooks';

/** On the dashboard (the office's figures), the signed-in user's own at a glance: GET /resumo?responsavel=me. */
export function MinhasNoPainel() {
  const me = useMe();
  const pessoa = me.data?.acessorias_usuario;
  const meu = useQuery({
    queryKey: ['resumo', 'me', pessoa?.id],
    queryFn: () => unwrap(resumo({ query: { responsavel: 'me' } })),
    enabled: Boolean(pessoa),
  });
  if (!pessoa || !meu.data) return null;
  const { obrigacoes, processos_abertos: processos } = meu.data;
  return (
    <Alert severity={obrigacoes.atrasadas ? 'warning' : 'info'} sx={{ mb: 2 }} data-testid="minhas-no-painel"
      action={<Button component={RouterLink} to="/minha-fila" size="small">Minha fila</Button>}>
      Minhas ({pessoa.nome}): {formatInteger(obrigacoes.atrasadas)} obrigações atrasadas,{' '}
      {formatInteger(obrigacoes.vencem_7_dias)} vencem em 7 dias, {formatInteger(processos)} processos abertos.
      Os números abaixo são do escritório.
    </Alert>
  );
}
