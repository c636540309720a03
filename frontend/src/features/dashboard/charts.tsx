// The dashboard's two charts, in a chunk of their own with recharts (~110 kB gzip): DashboardPage loads it only
// when a chart comes near the viewport, so the page's figures render without waiting for it.
import {
  Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import type { RegimeMetrica, TimelinePonto } from '../../api/types';
import { formatCompetencia, formatDate, formatInteger } from '../../lib/format';
import { regimesChartHeight, TIMELINE_CHART_HEIGHT } from './chartSizes';

const tooltipFormatter = (v: unknown) => formatInteger(v as number);

export function RegimesChart({ data }: { data: RegimeMetrica[] }) {
  return (
    <ResponsiveContainer width="100%" height={regimesChartHeight(data.length)}>
      <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" tickFormatter={(v) => formatInteger(v)} allowDecimals={false} />
        <YAxis type="category" dataKey="regime" width={140} tick={{ fontSize: 11 }} />
        <Tooltip formatter={tooltipFormatter} />
        <Legend />
        <Bar dataKey="total" name="Total" fill="#1f5fa8" radius={[0, 4, 4, 0]} isAnimationActive={false} />
        <Bar dataKey="concluidos" name="Concluídos" fill="#0f8b6c" radius={[0, 4, 4, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export function TimelineChart({ data }: { data: TimelinePonto[] }) {
  const points = data.map((p) => ({
    ...p,
    rotulo: p.competencia ? formatCompetencia(p.competencia) : formatDate(p.data ?? null).slice(0, 5),
  }));
  return (
    <ResponsiveContainer width="100%" height={TIMELINE_CHART_HEIGHT}>
      <LineChart data={points} margin={{ left: 0, right: 16, top: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="rotulo" tick={{ fontSize: 12 }} />
        <YAxis allowDecimals={false} tickFormatter={(v) => formatInteger(v)} />
        <Tooltip formatter={tooltipFormatter} />
        <Legend />
        <Line type="linear" dataKey="total" name="Processos" stroke="#1f5fa8" strokeWidth={2} isAnimationActive={false} />
        <Line type="linear" dataKey="concluidos" name="Concluídos" stroke="#0f8b6c" strokeWidth={2} isAnimationActive={false} />
      </LineChart>
    </ResponsiveContainer>
  );
}
