// User management (ADMIN): list, create, change role, deactivate or reactivate, reset password. The API
// enforces every rule (ADMIN only, the last active ADMIN stays); this page says its answers in Portuguese.
import { useState, type FormEvent } from 'react';
import {
  Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, FormControl, InputLabel, MenuItem,
  Select, Stack, TextField, Typography,
} from '@mui/material';
import PersonAddIcon from '@mui/icons-material/PersonAddOutlined';
import type { UsuarioOut } from '../../client/types.gen';
import type { Column } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { PagedList } from '../../components/PagedList';
import { formatDateTime } from '../../lib/format';
import { useMe } from '../auth/hooks';
import { erroDeUsuario, useAlterarUsuario, useCriarUsuario, usePessoas, useUsuarios } from './hooks';

type Role = UsuarioOut['role'];
const PAPEIS: { valor: Role; rotulo: string }[] = [
  { valor: 'ADMIN', rotulo: 'Administrador' },
  { valor: 'MANAGER', rotulo: 'Gestor' },
  { valor: 'USER', rotulo: 'Usuário' },
];
const MIN_SENHA = 8;

function NovoUsuario({ open, onClose }: { open: boolean; onClose: () => void }) {
  const criar = useCriarUsuario();
  const [form, setForm] = useState({ email: '', nome: '', role: 'USER' as Role, password: '' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    criar.mutate({ email: form.email.trim(), nome: form.nome.trim() || null, role: form.role, password: form.password }, {
      onSuccess: () => { setForm({ email: '', nome: '', role: 'USER', password: '' }); onClose(); },
    });
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="xs">
      <form onSubmit={submit} aria-label="Novo usuário">
        <DialogTitle>Novo usuário</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ mt: 1 }}>
            {criar.isError && <Alert severity="error" data-testid="erro-usuario">{erroDeUsuario(criar.error)}</Alert>}
            <TextField label="E-mail" type="email" required value={form.email} autoFocus
              onChange={(e) => setForm({ ...form, email: e.target.value })} />
            <TextField label="Nome" value={form.nome} onChange={(e) => setForm({ ...form, nome: e.target.value })} />
            <FormControl>
              <InputLabel id="novo-papel-label">Papel</InputLabel>
              <Select labelId="novo-papel-label" label="Papel" value={form.role}
                onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                {PAPEIS.map((p) => <MenuItem key={p.valor} value={p.valor}>{p.rotulo}</MenuItem>)}
              </Select>
            </FormControl>
            <TextField label="Senha inicial" type="password" required value={form.password} autoComplete="new-password"
              helperText={`Pelo menos ${MIN_SENHA} caracteres. Passe-a à pessoa, que pode pedir outra ao administrador.`}
              slotProps={{ htmlInput: { minLength: MIN_SENHA } }}
              onChange={(e) => setForm({ ...form, password: e.target.value })} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancelar</Button>
          <Button type="submit" variant="contained" disabled={criar.isPending}>Criar usuário</Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function NovaSenha({ usuario, onClose }: { usuario: UsuarioOut | null; onClose: () => void }) {
  const alterar = useAlterarUsuario();
  const [password, setPassword] = useState('');
  if (!usuario) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    alterar.mutate({ id: usuario.id, password }, { onSuccess: () => { setPassword(''); onClose(); } });
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="xs">
      <form onSubmit={submit} aria-label="Nova senha">
        <DialogTitle>Nova senha para {usuario.email}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ mt: 1 }}>
            {alterar.isError && <Alert severity="error">{erroDeUsuario(alterar.error)}</Alert>}
            <TextField label="Nova senha" type="password" required value={password} autoFocus autoComplete="new-password"
              helperText="As sessões abertas desta pessoa terminam; ela entra de novo com a nova senha."
              slotProps={{ htmlInput: { minLength: MIN_SENHA } }} onChange={(e) => setPassword(e.target.value)} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancelar</Button>
          <Button type="submit" variant="contained" disabled={alterar.isPending}>Trocar senha</Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function UsuariosPage() {
  const me = useMe();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const [novo, setNovo] = useState(false);
  const [senhaDe, setSenhaDe] = useState<UsuarioOut | null>(null);
  const query = useUsuarios(page, pageSize);
  const alterar = useAlterarUsuario();
  const pessoas = usePessoas();

  if (me.data && me.data.role !== 'ADMIN') {
    return <Alert severity="warning">Só administradores gerenciam usuários.</Alert>;
  }

  const columns: Column<UsuarioOut>[] = [
    {
      key: 'email', label: 'Usuário', render: (u) => (
        <Box sx={{ minWidth: 0, wordBreak: 'break-word' }}>
          <Typography variant="body2" sx={{ fontWeight: 500 }}>{u.nome || u.email}</Typography>
          {u.nome && <Typography variant="caption" color="text.secondary">{u.email}</Typography>}
        </Box>
      ),
    },
    {
      key: 'role', label: 'Papel', render: (u) => (
        <Select size="small" value={u.role} inputProps={{ 'aria-label': `Papel de ${u.email}` }}
          onChange={(e) => alterar.mutate({ id: u.id, role: e.target.value as Role })}>
          {PAPEIS.map((p) => <MenuItem key={p.valor} value={p.valor}>{p.rotulo}</MenuItem>)}
        </Select>
      ),
    },
    {
      key: 'acessorias_usuario', label: 'Pessoa no Acessórias', hideOnMobile: true, render: (u) => (
        <Select<string> size="small" displayEmpty value={u.acessorias_usuario ? String(u.acessorias_usuario.id) : ''}
          sx={{ minWidth: 160 }} inputProps={{ 'aria-label': `Pessoa no Acessórias de ${u.email}` }}
          onChange={(e) => alterar.mutate({
            id: u.id, acessorias_usuario_id: e.target.value === '' ? null : Number(e.target.value),
          })}>
          <MenuItem value=""><em>Ninguém</em></MenuItem>
          {u.acessorias_usuario && !pessoas.data?.items.some((p) => p.id === u.acessorias_usuario?.id) && (
            <MenuItem value={String(u.acessorias_usuario.id)}>{u.acessorias_usuario.nome}</MenuItem>
          )}
          {(pessoas.data?.items ?? []).map((p) => <MenuItem key={p.id} value={String(p.id)}>{p.nome}</MenuItem>)}
        </Select>
      ),
    },
    {
      key: 'ativo', label: 'Situação', render: (u) => (
        <Chip size="small" variant="outlined" color={u.ativo ? 'success' : 'default'} label={u.ativo ? 'Ativo' : 'Desativado'} />
      ),
    },
    { key: 'ultimo_acesso', label: 'Último acesso', render: (u) => formatDateTime(u.ultimo_acesso), hideOnMobile: true },
    {
      key: 'acoes', label: 'Ações', render: (u) => (
        <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
          <Button size="small" onClick={() => alterar.mutate({ id: u.id, ativo: !u.ativo })}
            aria-label={`${u.ativo ? 'Desativar' : 'Reativar'} ${u.email}`}>
            {u.ativo ? 'Desativar' : 'Reativar'}
          </Button>
          <Button size="small" onClick={() => setSenhaDe(u)} aria-label={`Nova senha para ${u.email}`}>Nova senha</Button>
        </Stack>
      ),
    },
  ];

  return (
    <>
      <PageHeader title="Usuários" subtitle="Quem entra no Espelho e o que pode fazer"
        actions={<Button variant="contained" startIcon={<PersonAddIcon />} onClick={() => setNovo(true)}>Novo usuário</Button>} />
      {alterar.isError && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => alterar.reset()} data-testid="erro-alteracao">
          {erroDeUsuario(alterar.error)}
        </Alert>
      )}
      <PagedList query={query} empty="Nenhum usuário." testId="tabela-usuarios" label="Usuários" columns={columns}
        onPage={(p, s) => { setPage(p); setPageSize(s); }} />
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
        Administrador: tudo, inclusive usuários. Gestor: dispara sincronizações. Usuário: consulta.
      </Typography>
      <NovoUsuario open={novo} onClose={() => { setNovo(false); }} />
      <NovaSenha usuario={senhaDe} onClose={() => setSenhaDe(null)} />
    </>
  );
}
