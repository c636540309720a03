import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { json, mockApi, renderAt } from '../../test/utils';
import { LoginPage } from './LoginPage';
import { ProcessosPage } from '../processos/ProcessosPage';

describe('login', () => {
  it('a wrong password shows a message and keeps no token', async () => {
    mockApi({ 'POST /api/v1/auth/login': () => json({ error: 'unauthorized', detail: 'wrong email or password' }, 401) });
    renderAt('/login', '/entrar', <div />, [<Route key="l" path="/login" element={<LoginPage />} />]);
    await userEvent.type(screen.getByLabelText(/E-mail/), 'a@example.com');
    await userEvent.type(screen.getByLabelText(/Senha/), 'errada');
    await userEvent.click(screen.getByRole('button', { name: 'Entrar' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('E-mail ou senha incorretos.');
    expect(sessionStorage.getItem('espelho.token')).toBeNull();
  });

  it('a good password keeps the token for the session and goes where the user was going', async () => {
    const api = mockApi({
      'POST /api/v1/auth/login': async (req) => {
        expect(await req.json()).toEqual({ email: 'a@example.com', password: 'certa' });
        return json({ access_token: 'jwt-token', token_type: 'bearer', expires_in: 3600 });
      },
    });
    renderAt('/login?next=%2Fdestino', '/destino', <div>destino</div>, [<Route key="l" path="/login" element={<LoginPage />} />]);
    await userEvent.type(screen.getByLabelText(/E-mail/), 'a@example.com');
    await userEvent.type(screen.getByLabelText(/Senha/), 'certa');
    await userEvent.click(screen.getByRole('button', { name: 'Entrar' }));
    expect(await screen.findByText('destino')).toBeInTheDocument();
    expect(sessionStorage.getItem('espelho.token')).toBe('jwt-token');
    expect(api.calls).toHaveLength(1);
  });
});

describe('401 from any API call', () => {
  it('forgets the token and sends the user to the login page', async () => {
    sessionStorage.setItem('espelho.token', 'expired');
    mockApi({ 'GET /api/v1/processos/': () => json({ error: 'unauthorized', detail: 'token expired' }, 401) });
    renderAt('/processos', '/processos', <ProcessosPage />);
    expect(await screen.findByText('página de login')).toBeInTheDocument();
    await waitFor(() => expect(sessionStorage.getItem('espelho.token')).toBeNull());
  });

  it('sends the bearer token with every request', async () => {
    sessionStorage.setItem('espelho.token', 'abc');
    let auth: string | null = null;
    mockApi({
      'GET /api/v1/processos/': (req) => {
        auth = req.headers.get('Authorization');
        return json({ items: [], total: 0, page: 1, page_size: 25 });
      },
    });
    renderAt('/processos', '/processos', <ProcessosPage />);
    expect(await screen.findByText('Nenhum processo com esses filtros.')).toBeInTheDocument();
    expect(auth).toBe('Bearer abc');
  });
});
