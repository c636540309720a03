import {
  competenciaOf, daysUntil, formatChange, formatCnpj, formatCompetencia, formatDate, formatDateTime,
  formatInteger, formatMoney, formatPercent, toNumber,
} from './format';

// Intl puts a no-break space after "R$"; compare with ordinary spaces.
const plain = (s: string | null) => s?.replace(/\s/g, ' ');

describe('formatMoney', () => {
  it('formats numbers and plain decimal strings as R$ 1.234,56', () => {
    expect(plain(formatMoney(1234.56))).toBe('R$ 1.234,56');
    expect(plain(formatMoney('1234567.89'))).toBe('R$ 1.234.567,89');
    expect(plain(formatMoney(0))).toBe('R$ 0,00');
    expect(plain(formatMoney(-10.5))).toBe('-R$ 10,50');
  });
  it('shows a dash for missing or unparseable values', () => {
    expect(formatMoney(null)).toBe('—');
    expect(formatMoney(undefined)).toBe('—');
    expect(formatMoney('abc')).toBe('—');
  });
});

describe('numbers', () => {
  it('parses API numbers', () => {
    expect(toNumber('12.5')).toBe(12.5);
    expect(toNumber('')).toBeNull();
  });
  it('groups thousands with dots', () => {
    expect(formatInteger(1234567)).toBe('1.234.567');
  });
  it('formats percentages given as 0–100', () => {
    expect(plain(formatPercent(87.5))).toBe('87,5%');
    expect(plain(formatPercent(100))).toBe('100%');
  });
  it('formats changes with a sign', () => {
    expect(formatChange(12.34)).toBe('+12,3 %');
    expect(formatChange(-5)).toBe('−5 %');
    expect(formatChange(0)).toBe('0 %');
    expect(formatChange(null)).toBeNull();
  });
});

describe('dates', () => {
  it('shows bare dates as dd/mm/aaaa without a time-zone shift', () => {
    expect(formatDate('2026-01-01')).toBe('01/01/2026');
    expect(formatDate('2025-12-31')).toBe('31/12/2025');
  });
  it('shows timestamps in Brasília time', () => {
    // 02:30 UTC on the 1st is still the previous evening in São Paulo (UTC−3).
    expect(formatDate('2026-03-01T02:30:00Z')).toBe('28/02/2026');
    expect(formatDateTime('2026-03-01T02:30:00Z')).toBe('28/02/2026 23:30');
    expect(formatDateTime('2026-11-23T16:11:00+00:00')).toBe('23/11/2026 13:11');
  });
  it('shows a dash for missing dates', () => {
    expect(formatDate(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
  });
  it('counts days until a date in Brasília time', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(daysUntil('2026-11-23', now)).toBe(0);
    expect(daysUntil('2026-12-03', now)).toBe(10);
    expect(daysUntil('2026-11-20', now)).toBe(-3);
  });
});

describe('CNPJ', () => {
  it('masks CNPJ digits as 00.000.000/0000-00', () => {
    expect(formatCnpj('42081159000128')).toBe('42.081.159/0001-28');
    expect(formatCnpj('42.081.159/0001-28')).toBe('42.081.159/0001-28');
  });
  it('masks CPF digits and leaves other values alone', () => {
    expect(formatCnpj('12345678901')).toBe('123.456.789-01');
    expect(formatCnpj('123')).toBe('123');
    expect(formatCnpj(null)).toBe('—');
  });
});

describe('competência', () => {
  it('normalises the accepted spellings to MM/AAAA', () => {
    expect(formatCompetencia('05/2026')).toBe('05/2026');
    expect(formatCompetencia('05-2026')).toBe('05/2026');
    expect(formatCompetencia('2026-05')).toBe('05/2026');
    expect(formatCompetencia('2026-05-01')).toBe('05/2026');
  });
  it('computes the competência of a date and its neighbours', () => {
    const now = new Date('2026-01-15T12:00:00Z');
    expect(competenciaOf(now)).toBe('01/2026');
    expect(competenciaOf(now, -1)).toBe('12/2025');
    expect(competenciaOf(now, 12)).toBe('01/2027');
  });
});
