import { ToggleButton, ToggleButtonGroup } from '@mui/material';

/** "Minhas" (responsavel=me: what is the signed-in user's in Acessórias) or "Escritório" (everyone's). */
export function EscopoToggle({ value, onChange }: { value: string; onChange: (escopo: string) => void }) {
  return (
    <ToggleButtonGroup size="small" exclusive value={value === 'minhas' ? 'minhas' : ''} aria-label="De quem"
      onChange={(_, v: string | null) => { if (v !== null) onChange(v); }} data-testid="escopo">
      <ToggleButton value="minhas">Minhas</ToggleButton>
      <ToggleButton value="">Escritório</ToggleButton>
    </ToggleButtonGroup>
  );
}
