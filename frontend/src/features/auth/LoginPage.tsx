import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Box, Button, CircularProgress, Paper, TextField, Typography } from '@mui/material';
import { ApiError } from '../../api/http';
import { useAuth } from '../../auth/AuthContext';
import { useLogin } from './hooks';

function loginError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'E-mail ou senha incorretos.';
    if (error.status === 429) return 'Muitas tentativas. Aguarde alguns instantes e tente novamente.';
    if (error.status === 422) return 'Informe e-mail e senha.';
    return error.message;
  }
  return 'Não foi possível entrar.';
}

export function LoginPage() {
  const { token, signIn } = useAuth();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = params.get('next') || '/';
  const safeNext = next.startsWith('/') && !next.startsWith('//') ? next : '/';

  if (token) return <Navigate to={safeNext} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ email: email.trim(), password }, {
      onSuccess: (data) => {
        signIn(data.access_token);
        navigate(safeNext, { replace: true });
      },
    });
  };

  return (
    <Box sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2, bgcolor: 'background.default' }}>
      <Paper component="form" onSubmit={submit} sx={{ p: 4, width: '100%', maxWidth: 400 }} aria-label="Entrar">
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
          <Box component="img" src="/espelho.svg" alt="" sx={{ width: 36, height: 36 }} />
          <Typography variant="h5" component="h1" sx={{ fontWeight: 700 }}>Espelho</Typography>
        </Box>
        <Typography color="text.secondary" sx={{ mb: 3 }}>
          Contratos do Comprasnet e processos da Acessórias, sempre à mão.
        </Typography>
        {params.get('next') && !login.isError && (
          <Alert severity="info" sx={{ mb: 2 }}>Sua sessão terminou. Entre novamente.</Alert>
        )}
        {login.isError && <Alert severity="error" role="alert" sx={{ mb: 2 }}>{loginError(login.error)}</Alert>}
        <TextField label="E-mail" type="email" name="email" autoComplete="username" fullWidth required autoFocus
          value={email} onChange={(e) => setEmail(e.target.value)} sx={{ mb: 2 }} />
        <TextField label="Senha" type="password" name="password" autoComplete="current-password" fullWidth required
          value={password} onChange={(e) => setPassword(e.target.value)} sx={{ mb: 3 }} />
        <Button type="submit" variant="contained" fullWidth size="large" disabled={login.isPending}
          startIcon={login.isPending ? <CircularProgress size={18} color="inherit" /> : undefined}>
          Entrar
        </Button>
      </Paper>
    </Box>
  );
}
