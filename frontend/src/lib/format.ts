// Brazilian formats for everything the app shows: R$ 1.234,56, dd/mm/aaaa, masked CNPJ/CPF.
const TIME_ZONE = 'America/Sao_Paulo';
const DASH = '—';

const money = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });
const integer = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('pt-BR', { minimumFractionDigits: 0, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('pt-BR', { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat('pt-BR', {
  timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat('pt-BR', { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' });

/** The API sends money as a JSON number or a plain decimal string ("1234567.89"). */
export function toNumber(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

export function formatMoney(value: number | string | null | undefined): string {
  const n = toNumber(value);
  return n === null ? DASH : money.format(n);
}

export function formatInteger(value: number | string | null | undefined): string {
  const n = toNumber(value);
  return n === null ? DASH : integer.format(n);
}

export function formatDecimal(value: number | string | null | undefined): string {
  const n = toNumber(value);
  return n === null ? DASH : decimal.format(n);
}

/** `value` is already a percentage (0–100), as the API's taxa_conclusao and porcentagem_conclusao are. */
export function formatPercent(value: number | string | null | undefined): string {
  const n = toNumber(value);
  return n === null ? DASH : percent.format(n / 100);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** dd/mm/aaaa. A bare date is shown as is (no time-zone shift); a timestamp in Brasília time. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return DASH;
  const m = DATE_ONLY.exec(value);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateOnly.format(d);
}

/** dd/mm/aaaa hh:mm in Brasília time. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return DASH;
  if (DATE_ONLY.test(value)) return formatDate(value);
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateTime.format(d).replace(',', '');
}

/** 00.000.000/0000-00 for a CNPJ, 000.000.000-00 for a CPF; anything else unchanged. */
export function formatCnpj(value: string | null | undefined): string {
  if (!value) return DASH;
  const digits = value.replace(/\D/g, '');
  if (digits.length === 14) {
    return digits.replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})$/, '$1.$2.$3/$4-$5');
  }
  if (digits.length === 11) {
    return digits.replace(/^(\d{3})(\d{3})(\d{3})(\d{2})$/, '$1.$2.$3-$4');
  }
  return value;
}

/** "+12,5 %" style change; null when there is nothing to compare against. */
export function formatChange(value: number | string | null | undefined, unit = '%'): string | null {
  const n = toNumber(value);
  if (n === null) return null;
  const sign = n > 0 ? '+' : n < 0 ? '−' : '';
  return `${sign}${decimal.format(Math.abs(n))}${unit ? ` ${unit}` : ''}`;
}

/** Competência as MM/AAAA from MM/YYYY, MM-YYYY, YYYY-MM or a YYYY-MM-DD first-of-month date. */
export function formatCompetencia(value: string | null | undefined): string {
  if (!value) return DASH;
  let m = /^(\d{2})[/-](\d{4})$/.exec(value);
  if (m) return `${m[1]}/${m[2]}`;
  m = /^(\d{4})-(\d{2})(?:-\d{2})?$/.exec(value);
  if (m) return `${m[2]}/${m[1]}`;
  return value;
}

/** The competência (MM/AAAA) of a date, Brasília time; `offset` months before/after. */
export function competenciaOf(date: Date, offset = 0): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit' })
    .formatToParts(date);
  const year = Number(parts.find((p) => p.type === 'year')!.value);
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  const total = year * 12 + (month - 1) + offset;
  return `${String((total % 12) + 1).padStart(2, '0')}/${Math.floor(total / 12)}`;
}

/** Today's date (Brasília time) as YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(now);
}

/** Whole days from today (Brasília) to a YYYY-MM-DD date; negative when it is in the past. */
export function daysUntil(isoDate: string | null | undefined, now: Date = new Date()): number | null {
  if (!isoDate) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return null;
  const [y, mo, d] = todayIso(now).split('-').map(Number);
  return Math.round((Date.UTC(+m[1], +m[2] - 1, +m[3]) - Date.UTC(y, mo - 1, d)) / 86_400_000);
}

/** An ISO date (YYYY-MM-DD) `days` later (earlier when negative). */
export function shiftDays(iso: string, days: number): string {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
