// Filter inputs that only send the API values it accepts (a half-typed competência would be a 422).
import { useEffect, useMemo, useState } from 'react';
import { Autocomplete, FormControl, InputLabel, MenuItem, Select, TextField } from '@mui/material';
import { DatePicker } from '@mui/x-date-pickers/DatePicker';
import dayjs, { type Dayjs } from 'dayjs';
import { useDashboardRegimes } from '../features/dashboard/hooks';
import { useEmpresa, useEmpresaBusca } from '../features/empresas/hooks';
import { formatCnpj } from '../lib/format';
import { useRegras } from '../hooks/useRegras';

const COMPETENCIA = /^(0[1-9]|1[0-2])\/\d{4}$/;

/** MM/AAAA; reported only when complete and valid (or cleared). */
export function CompetenciaField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const invalid = text !== '' && !COMPETENCIA.test(text);
  return (
    <TextField size="small" label="Competência" placeholder="MM/AAAA" value={text} error={invalid}
      helperText={invalid ? 'Use MM/AAAA' : undefined}
      onChange={(e) => {
        const v = e.target.value.replace(/[^\d/]/g, '').slice(0, 7);
        setText(v);
        if (v === '' || COMPETENCIA.test(v)) onChange(v);
      }}
      slotProps={{ htmlInput: { 'data-testid': 'filtro-competencia', inputMode: 'numeric' } }} />
  );
}

/** The regimes the office uses (labels from the dashboard's per-regime figures). */
export function RegimeSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const regimes = useDashboardRegimes('');
  const options = useMemo(() => {
    const names = (regimes.data?.items ?? []).map((r) => r.regime);
    return value && !names.includes(value) ? [value, ...names] : names;
  }, [regimes.data, value]);
  return (
    <FormControl size="small">
      <InputLabel id="regime-label">Regime</InputLabel>
      <Select labelId="regime-label" label="Regime" value={value} onChange={(e) => onChange(e.target.value)}>
        <MenuItem value="">Todos</MenuItem>
        {options.map((r) => <MenuItem key={r} value={r}>{r}</MenuItem>)}
      </Select>
    </FormControl>
  );
}

interface EmpresaOption { id: number; nome: string; cnpj?: string | null }

/** Search empresas by name or CNPJ; the filter sent is the empresa's id. */
export function EmpresaPicker({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQ(input), 300);
    return () => clearTimeout(t);
  }, [input]);
  const search = useEmpresaBusca(q);
  const selected = useEmpresa(value);
  const options: EmpresaOption[] = search.data?.items ?? [];
  const current: EmpresaOption | null = selected.data ?? null;
  return (
    <Autocomplete size="small" options={options} value={value ? current : null} loading={search.isFetching}
      filterOptions={(x) => x} getOptionLabel={(o) => o.nome} isOptionEqualToValue={(a, b) => a.id === b.id}
      onChange={(_, o) => onChange(o ? String(o.id) : '')}
      onInputChange={(_, v, reason) => { if (reason === 'input') setInput(v); }}
      noOptionsText="Nenhuma empresa" loadingText="Buscando…"
      renderOption={(props, o) => (
        <li {...props} key={o.id}>{o.nome}{o.cnpj ? ` · ${formatCnpj(o.cnpj)}` : ''}</li>
      )}
      renderInput={(params) => <TextField {...params} label="Empresa" placeholder="Nome ou CNPJ" />} />
  );
}

/** A date as dd/mm/aaaa (pt-BR picker); reported as YYYY-MM-DD when complete and valid, '' when cleared. */
// Only the years the API takes (GET /api/v1/regras; 422 outside them) are sent. While a year is being typed
// its section holds "0002", "0020", "0202": those are never sent, so a fast typist's half-year never
// becomes a filter.
export function DateFilter({ label, value, onChange }: { label: string; value: string; onChange: (iso: string) => void }) {
  const [draft, setDraft] = useState<Dayjs | null>(value ? dayjs(value) : null);
  const { data: regras } = useRegras();
  const primeiro = regras ? dayjs(`${regras.ano_minimo}-01-01`) : undefined;
  const ultimo = regras ? dayjs(`${regras.ano_maximo}-12-31`) : undefined;
  const plausivel = (d: Dayjs) =>
    d.isValid() && primeiro !== undefined && ultimo !== undefined
    && !d.isBefore(primeiro, 'day') && !d.isAfter(ultimo, 'day');
  // A value set from outside (a quick-view chip, the URL) replaces what the field holds.
  useEffect(() => {
    setDraft((atual) => (value ? (atual?.format('YYYY-MM-DD') === value ? atual : dayjs(value)) : null));
  }, [value]);
  return (
    <DatePicker label={label} format="DD/MM/YYYY" value={draft} minDate={primeiro} maxDate={ultimo}
      onChange={(d) => {
        setDraft(d);
        if (d === null) onChange('');
        else if (plausivel(d)) onChange(d.format('YYYY-MM-DD'));
      }}
      slotProps={{
        // Wide enough for the whole date beside the clear and calendar buttons.
        textField: { size: 'small', sx: { width: 205 } },
        field: { clearable: true },
      }} />
  );
}
