import { DATE_PRESETS, type DayRange } from "../../format/filters";

const LABELS = { "7d": "7 days", "30d": "30 days", "90d": "90 days" } as const;

/** A date range with presets (last 7 / 30 / 90 days) and custom from / to days. */
export function DateRangeFilter(props: { id: string; label: string; value: DayRange; onChange: (r: DayRange) => void }) {
  const { id, label, value, onChange } = props;
  return (
    <fieldset class="date-range" id={id}>
      <legend>{label}</legend>
      <div class="preset-row">
        {DATE_PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            class="chip-button"
            aria-pressed={value.preset === p}
            onClick={() => onChange(value.preset === p ? {} : { preset: p })}
          >
            {LABELS[p]}
          </button>
        ))}
      </div>
      <div class="date-inputs">
        <label>
          From
          <input
            type="date"
            name={`${id}-from`}
            value={value.preset ? "" : value.from ?? ""}
            onChange={(e) => onChange({ from: (e.currentTarget as HTMLInputElement).value || undefined, to: value.preset ? undefined : value.to })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            name={`${id}-to`}
            value={value.preset ? "" : value.to ?? ""}
            onChange={(e) => onChange({ from: value.preset ? undefined : value.from, to: (e.currentTarget as HTMLInputElement).value || undefined })}
          />
        </label>
      </div>
    </fieldset>
  );
}
