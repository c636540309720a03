import { Alert, Stack, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../../api/http';
import { keys } from '../../api/keys';
import type { WhatsAppVinculo } from '../../api/types';
import { updateVinculo } from '../../client/sdk.gen';
import { errorMessage } from '../../components/QueryState';
import { useMe } from '../auth/hooks';

type AlertasEscopo = 'meus' | 'escritorio';

/** Whose obligations the alerts tell: a MANAGER or ADMIN chooses; a USER gets their own. */
export function EscopoAlertas({ vinculo }: { vinculo: WhatsAppVinculo }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const escolher = useMutation({
    mutationFn: (alertas_escopo: AlertasEscopo) => unwrap(updateVinculo({ body: { alertas_escopo } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.whatsapp.all }),
  });
  const escolhe = me.data?.role === 'ADMIN' || me.data?.role === 'MANAGER';
  if (!escolhe) {
    return (
      <Typography variant="body2" color="text.secondary" data-testid="alertas-escopo">
        As obrigações dos alertas são só as suas no Acessórias.
      </Typography>
    );
  }
  return (
    <Stack direction="row" spacing={1} alignItems="center" sx={{ flexWrap: 'wrap' }}>
      <Typography variant="body2">Obrigações nos alertas:</Typography>
      <ToggleButtonGroup size="small" exclusive value={vinculo.alertas_escopo ?? 'escritorio'} data-testid="alertas-escopo"
        aria-label="Obrigações nos alertas" disabled={escolher.isPending}
        onChange={(_, v: AlertasEscopo | null) => { if (v) escolher.mutate(v); }}>
        <ToggleButton value="meus">Minhas</ToggleButton>
        <ToggleButton value="escritorio">Do escritório</ToggleButton>
      </ToggleButtonGroup>
      {escolher.isError && <Alert severity="error">{errorMessage(escolher.error)}</Alert>}
    </Stack>
  );
}
