import { useState } from 'react';
import {
  Alert, Box, Button, Card, CardContent, Chip, FormControlLabel, Grid, Link, Stack, Switch, Typography,
} from '@mui/material';
import WhatsAppIcon from '@mui/icons-material/WhatsApp';
import { QRCodeSVG } from 'qrcode.react';
import type { WhatsAppMensagem, WhatsAppVinculo } from '../../api/types';
import { ApiError } from '../../api/http';
import type { Column } from '../../components/DataTable';
import { PagedList } from '../../components/PagedList';
import { PageHeader } from '../../components/PageHeader';
import { ErrorState, errorMessage, Loading } from '../../components/QueryState';
import { StatusChip } from '../../components/StatusChip';
import { formatDateTime } from '../../lib/format';
import { useMe } from '../auth/hooks';
import { useAlertas, useAvisosImediatos, useDesvincular, useMensagens, useNovoCodigo, useVinculo } from './hooks';
import { EscopoAlertas } from '../minhafila/EscopoAlertas';

/** "5511987654321" → "+55 11 98765-4321" (other countries: "+" and the digits). */
export function formatTelefone(waId: string | null | undefined): string {
  if (!waId) return '—';
  const br = /^55(\d{2})(\d{4,5})(\d{4})$/.exec(waId);
  return br ? `+55 ${br[1]} ${br[2]}-${br[3]}` : `+${waId}`;
}

const STATUS: Record<string, string> = {
  received: 'Recebida', accepted: 'Enviada', sent: 'Enviada', delivered: 'Entregue', read: 'Lida', failed: 'Falhou',
};

function Vincular({ vinculo }: { vinculo: WhatsAppVinculo }) {
  const novo = useNovoCodigo();
  const desvincular = useDesvincular();
  const codigo = vinculo.codigo_pendente;
  return (
    <Stack spacing={2}>
      {vinculo.vinculado ? (
        <Alert severity="success" data-testid="vinculado">
          Telefone vinculado: <strong>{formatTelefone(vinculo.wa_id)}</strong>
          {vinculo.nome_perfil ? ` (${vinculo.nome_perfil})` : ''} desde {formatDateTime(vinculo.vinculado_em)}.
        </Alert>
      ) : (
        <Typography color="text.secondary" data-testid="nao-vinculado">
          Nenhum telefone vinculado. Gere um código e envie-o do seu WhatsApp para conversar com o Espelho e receber alertas.
        </Typography>
      )}
      {codigo ? (
        <Box data-testid="codigo-pendente" sx={{ display: 'flex', gap: 3, flexWrap: 'wrap', alignItems: 'center' }}>
          {codigo.link ? (
            <Box sx={{ p: 1, bgcolor: 'white', borderRadius: 1, lineHeight: 0 }}>
              <QRCodeSVG value={codigo.link} size={168} aria-label="QR code do link de vinculação" />
            </Box>
          ) : null}
          <Box>
            <Typography variant="body2">
              {codigo.link ? 'Leia o QR code com o celular ou envie pelo WhatsApp:' : 'Envie pelo WhatsApp ao número do escritório:'}
            </Typography>
            <Typography variant="h5" sx={{ fontFamily: 'monospace', my: 1 }} data-testid="codigo">VINCULAR {codigo.codigo}</Typography>
            <Typography variant="caption" color="text.secondary" component="div">
              Válido até {formatDateTime(codigo.expira_em)}.
            </Typography>
            {codigo.link ? <Link href={codigo.link} target="_blank" rel="noopener">Abrir no WhatsApp</Link> : null}
          </Box>
        </Box>
      ) : null}
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        <Button variant="contained" startIcon={<WhatsAppIcon />} disabled={novo.isPending} onClick={() => novo.mutate()}
          data-testid="gerar-codigo">
          {vinculo.vinculado ? 'Vincular outro telefone' : 'Vincular meu telefone'}
        </Button>
        {(vinculo.vinculado || codigo) && (
          <Button color="error" disabled={desvincular.isPending} onClick={() => desvincular.mutate()}>Desvincular</Button>
        )}
      </Box>
      {(novo.isError || desvincular.isError) && <Alert severity="error">{errorMessage(novo.error ?? desvincular.error)}</Alert>}
    </Stack>
  );
}

function Preferencias({ vinculo }: { vinculo: WhatsAppVinculo }) {
  const alertas = useAlertas();
  const avisos = useAvisosImediatos();
  return (
    <Stack spacing={1}>
      <FormControlLabel
        control={<Switch checked={vinculo.alertas_ativos} disabled={alertas.isPending}
          onChange={(e) => alertas.mutate(e.target.checked)} slotProps={{ input: { 'aria-label': 'Receber alertas' } }} />}
        label={vinculo.alertas_ativos ? 'Recebendo alertas automáticos' : 'Alertas automáticos desligados'} />
      <EscopoAlertas vinculo={vinculo} />
      <Typography variant="body2" color="text.secondary">
        Nos dias úteis pela manhã, um resumo do que é novo: obrigações atrasadas ou que vencem em 7, 3 e 1 dia, contratos
        entrando nas faixas de 30, 60 e 90 dias e, para administradores, sincronizações que falharam. Nunca o mesmo aviso
        duas vezes. Pelo celular, <strong>parar</strong> e <strong>voltar</strong> fazem o mesmo.
      </Typography>
      <FormControlLabel
        control={<Switch checked={vinculo.avisos_imediatos ?? false} disabled={avisos.isPending}
          onChange={(e) => avisos.mutate(e.target.checked)} slotProps={{ input: { 'aria-label': 'Avisos imediatos' } }} />}
        label="Avisos imediatos dos meus processos e obrigações" />
      <Typography variant="body2" color="text.secondary">
        Em poucos minutos, quando um processo seu avança de passo ou é concluído, ou uma obrigação sua é entregue ou
        fica atrasada — no máximo uma mensagem a cada 10 minutos, agrupando o que aconteceu.
      </Typography>
      {(alertas.isError || avisos.isError) && <Alert severity="error">{errorMessage(alertas.error ?? avisos.error)}</Alert>}
    </Stack>
  );
}

const columns: Column<WhatsAppMensagem>[] = [
  { key: 'criada_em', label: 'Quando', render: (m) => formatDateTime(m.criada_em) },
  { key: 'direcao', label: 'Direção', render: (m) => (m.direcao === 'ENTRADA' ? 'Recebida' : 'Enviada') },
  { key: 'wa_id', label: 'Telefone', render: (m) => formatTelefone(m.wa_id), hideOnMobile: true },
  {
    key: 'texto', label: 'Mensagem', render: (m) => (
      <Box sx={{ maxWidth: 420 }}>
        {m.template && <Chip size="small" variant="outlined" label={`modelo ${m.template}`} sx={{ mb: 0.5 }} />}
        <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>{m.texto ?? `(${m.tipo})`}</Typography>
      </Box>
    ),
  },
  {
    key: 'status', label: 'Status', render: (m) => (
      <Box>
        <StatusChip status={STATUS[m.status] ?? m.status} />
        {m.erro_codigo && <Typography variant="caption" color="error.main" component="div">erro {m.erro_codigo}</Typography>}
      </Box>
    ),
  },
];

function Mensagens() {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const query = useMensagens(page, pageSize);
  return (
    <PagedList query={query} loadingRows={5} empty="Nenhuma mensagem ainda." testId="tabela-mensagens"
      label="Mensagens do WhatsApp" columns={columns}
      rowSx={(m) => (m.status === 'failed' ? { bgcolor: 'rgba(211, 47, 47, 0.05)' } : undefined)}
      onPage={(p, s) => { setPage(p); setPageSize(s); }} />
  );
}

export function WhatsAppPage() {
  const vinculo = useVinculo();
  const me = useMe();
  const desligado = vinculo.error instanceof ApiError && vinculo.error.error === 'whatsapp_disabled';
  return (
    <>
      <PageHeader title="WhatsApp" subtitle="Consulte o Espelho pelo celular e receba os alertas que importam" />
      {vinculo.isPending ? <Loading /> : desligado ? (
        <Alert severity="info" data-testid="whatsapp-desligado">
          O WhatsApp não está configurado neste Espelho. Peça ao administrador para definir as variáveis
          ESPELHO_WHATSAPP_* (veja o README).
        </Alert>
      ) : vinculo.isError ? <ErrorState error={vinculo.error} onRetry={() => vinculo.refetch()} /> : (
        <>
          <Grid container spacing={2} sx={{ mb: 2 }}>
            <Grid size={{ xs: 12, md: 7 }}>
              <Card sx={{ height: '100%' }}>
                <CardContent>
                  <Typography variant="h6" sx={{ mb: 2 }}>Meu telefone</Typography>
                  <Vincular vinculo={vinculo.data} />
                </CardContent>
              </Card>
            </Grid>
            <Grid size={{ xs: 12, md: 5 }}>
              <Card sx={{ height: '100%' }}>
                <CardContent>
                  <Typography variant="h6" sx={{ mb: 2 }}>Alertas</Typography>
                  <Preferencias vinculo={vinculo.data} />
                  <Typography variant="subtitle2" sx={{ mt: 2 }}>Comandos</Typography>
                  <Typography variant="body2" color="text.secondary">
                    ajuda · resumo [MM/AAAA] · empresa &lt;nome ou CNPJ&gt; · atrasadas · semana · contratos · parar · voltar
                  </Typography>
                </CardContent>
              </Card>
            </Grid>
          </Grid>
          {me.data?.role === 'ADMIN' && (
            <>
              <Typography variant="h6" sx={{ mb: 1 }}>Mensagens</Typography>
              <Mensagens />
            </>
          )}
        </>
      )}
    </>
  );
}
