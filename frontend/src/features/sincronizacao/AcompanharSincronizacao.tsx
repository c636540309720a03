// Follows one triggered run to its end: queued or running, then concluded or failed, never a stale "iniciada".
import { useState } from 'react';
import { Alert, Box, Button, Collapse, Typography } from '@mui/material';
import type { Sincronizacao } from '../../api/types';
import { useSyncStatus } from './hooks';

/** A failed run's pt-BR explanation (from the API), with its technical text behind "detalhes". */
export function ErroDaSincronizacao({ run, onClose }: { run: Sincronizacao; onClose?: () => void }) {
  const [aberto, setAberto] = useState(false);
  return (
    <Alert severity="error" sx={{ mb: 2 }} onClose={onClose} data-testid="erro-sincronizacao">
      <Typography variant="body2" sx={{ fontWeight: 600 }}>A sincronização nº {run.id} falhou.</Typography>
      <Typography variant="body2" data-testid="erro-explicado">{run.erro_explicado ?? 'Erro sem descrição.'}</Typography>
      {run.mensagem_erro && (
        <Box>
          <Button size="small" color="inherit" onClick={() => setAberto(!aberto)} aria-expanded={aberto} sx={{ px: 0, mt: 0.5 }}>
            {aberto ? 'Ocultar detalhes' : 'Detalhes'}
          </Button>
          <Collapse in={aberto}>
            <Typography variant="caption" component="pre" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', m: 0 }}>
              {run.mensagem_erro}
            </Typography>
          </Collapse>
        </Box>
      )}
    </Alert>
  );
}

/** Where run `runId` is, from GET /api/v1/sync/status: running (with a word when it has gone silent), or how it ended. */
export function AcompanharSincronizacao({ runId, rotulo, onClose }: { runId: number; rotulo: string; onClose: () => void }) {
  const status = useSyncStatus();
  const rodando = status.data?.em_andamento.find((r) => r.id === runId);
  const terminada = status.data?.ultimas.find((r) => r.id === runId);
  if (terminada?.status === 'ERRO') return <ErroDaSincronizacao run={terminada} onClose={onClose} />;
  if (terminada) {
    return (
      <Alert severity="success" sx={{ mb: 2 }} onClose={onClose} data-testid="sincronizacao-concluida">
        {rotulo} concluída.
      </Alert>
    );
  }
  const silencio = rodando?.silencio_s ?? 0;
  return (
    <Alert severity="info" sx={{ mb: 2 }} data-testid="sincronizacao-rodando">
      {rotulo} em andamento (nº {runId}){rodando?.progresso ? ` — ${rodando.progresso.fase}` : ''}. A página se atualiza quando terminar.
      {rodando && rodando.heartbeat_em && silencio >= 60 ? ` Sem sinal do processo há ${Math.round(silencio)} s.` : ''}
    </Alert>
  );
}
