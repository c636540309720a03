import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, mockApi, renderAt } from '../../test/utils';
import { formatTelefone, WhatsAppPage } from './WhatsAppPage';

beforeEach(() => sessionStorage.setItem('espelho.token', 'token'));

const SEM_VINCULO = { vinculado: false, wa_id: null, nome_perfil: null, vinculado_em: null, alertas_ativos: true, codigo_pendente: null };
const CODIGO = { codigo: 'K7P2QX9A', expira_em: '2026-11-29T20:30:00Z', link: 'https://wa.me/5511999990000?text=VINCULAR%20K7P2QX9A' };
const me = (role: string) => () => json({ id: 1, email: 'a@example.com', nome: 'Ana', role, ativo: true, criado_em: '2026-01-01T00:00:00Z', ultimo_acesso: null });

describe('WhatsApp page', () => {
  it('generates a linking code with its QR code and wa.me link', async () => {
    let vinculo: Record<string, unknown> = SEM_VINCULO;
    const api = mockApi({
      'GET /api/v1/auth/me': me('USER'),
      'GET /api/v1/whatsapp/vinculo/': () => json(vinculo),
      'POST /api/v1/whatsapp/vinculo/': () => { vinculo = { ...SEM_VINCULO, codigo_pendente: CODIGO }; return json(CODIGO, 201); },
    });
    renderAt('/whatsapp', '/whatsapp', <WhatsAppPage />);
    expect(await screen.findByTestId('nao-vinculado')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('gerar-codigo'));
    const pendente = await screen.findByTestId('codigo-pendente');
    expect(within(pendente).getByTestId('codigo')).toHaveTextContent('VINCULAR K7P2QX9A');
    expect(within(pendente).getByRole('link', { name: 'Abrir no WhatsApp' })).toHaveAttribute('href', CODIGO.link);
    expect(within(pendente).getByLabelText('QR code do link de vinculação')).toBeInTheDocument();
    expect(api.count('POST', /whatsapp\/vinculo/)).toBe(1);
    // Only ADMINs see the message log.
    expect(api.count('GET', /whatsapp\/mensagens/)).toBe(0);
  });

  it('shows the linked phone, the alert switch and, for an ADMIN, the message log', async () => {
    const api = mockApi({
      'GET /api/v1/auth/me': me('ADMIN'),
      'GET /api/v1/whatsapp/vinculo/': () => json({ ...SEM_VINCULO, vinculado: true, wa_id: '5511987654321', vinculado_em: '2026-11-29T12:00:00Z' }),
      'PATCH /api/v1/whatsapp/vinculo/': () => json({ ...SEM_VINCULO, vinculado: true, wa_id: '5511987654321', alertas_ativos: false }),
      'GET /api/v1/whatsapp/mensagens/': () => json({
        items: [{ id: 2, wamid: 'wamid.2', direcao: 'SAIDA', wa_id: '5511987654321', usuario_id: 1, tipo: 'template', template: 'espelho_alertas',
          texto: 'Ana | 2 obrigações atrasadas', status: 'delivered', status_em: null, erro_codigo: null, erro: null, criada_em: '2026-11-29T11:00:00Z', eventos: [] }],
        total: 1, page: 1, page_size: 25,
      }),
    });
    renderAt('/whatsapp', '/whatsapp', <WhatsAppPage />);
    expect(await screen.findByTestId('vinculado')).toHaveTextContent('+55 11 98765-4321');
    const table = await screen.findByTestId('tabela-mensagens');
    expect(table).toHaveTextContent('2 obrigações atrasadas');
    expect(table).toHaveTextContent('Entregue');
    await userEvent.click(screen.getByLabelText('Receber alertas'));
    expect(api.count('PATCH', /whatsapp\/vinculo/)).toBe(1);
  });

  it('says so when WhatsApp is not configured', async () => {
    mockApi({
      'GET /api/v1/auth/me': me('USER'),
      'GET /api/v1/whatsapp/vinculo/': () => json({ error: 'whatsapp_disabled', detail: 'WhatsApp is not configured' }, 404),
    });
    renderAt('/whatsapp', '/whatsapp', <WhatsAppPage />);
    expect(await screen.findByTestId('whatsapp-desligado')).toBeInTheDocument();
  });

  it('formats Brazilian numbers with and without the ninth digit', () => {
    expect(formatTelefone('5511987654321')).toBe('+55 11 98765-4321');
    expect(formatTelefone('551187654321')).toBe('+55 11 8765-4321');
    expect(formatTelefone('14155550100')).toBe('+14155550100');
  });
});
