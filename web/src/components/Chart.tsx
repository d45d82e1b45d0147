// The one chart library: Chart.js (tree-shaken), animations off so a chart is drawn in one frame.
import {
  BarController, BarElement, CategoryScale, Chart, type ChartConfiguration, Filler, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend, Filler);
Chart.defaults.animation = false;
Chart.defaults.font.family = "system-ui, sans-serif";

/** A canvas chart; `label` names it for assistive technology (a table beside it holds the numbers). */
export function ChartCanvas({ config, label, testId }: { config: ChartConfiguration; label: string; testId: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current?.destroy();
    chart.current = new Chart(canvas.current, { ...config, options: { responsive: true, maintainAspectRatio: false, ...config.options } });
    canvas.current.dataset.drawn = "true";
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [JSON.stringify(config.data), JSON.stringify(config.options ?? {})]);
  return (
    <div class="chart-box">
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}

export const PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04"];
