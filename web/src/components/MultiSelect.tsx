// A multi-select as a disclosure of checkboxes; every option shows how many customers it would match.
export interface Option {
  value: string;
  label: string;
  count?: number;
}

export function MultiSelect(props: {
  label: string;
  options: Option[];
  selected: string[];
  onChange: (values: string[]) => void;
  id: string;
}) {
  const { label, options, selected, onChange, id } = props;
  const toggle = (value: string, on: boolean) =>
    onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  return (
    <details class="multiselect" id={id}>
      <summary>
        {label}
        {selected.length > 0 && <span class="count-pill">{selected.length}</span>}
      </summary>
      <fieldset>
        <legend class="sr-only">{label}</legend>
        {options.length === 0 && <p class="muted">No options.</p>}
        {options.map((o) => (
          <label key={o.value} class="option">
            <input
              type="checkbox"
              name={`${id}-option`}
              value={o.value}
              checked={selected.includes(o.value)}
              onChange={(e) => toggle(o.value, (e.currentTarget as HTMLInputElement).checked)}
            />
            <span>{o.label}</span>
            {o.count !== undefined && <span class="muted option-count">{o.count}</span>}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
