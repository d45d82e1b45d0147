import { useEffect, useState } from "preact/hooks";
import type { CustomerFacetsQuery } from "../../__generated__/graphql";
import { MultiSelect } from "../../components/MultiSelect";
import { type CustomerView, STATUSES, STATUS_LABELS, withChange } from "../../format/filters";
import { parseAmountInput } from "../../format/money";
import { DateRangeFilter } from "./DateRangeFilter";

type Facets = NonNullable<CustomerFacetsQuery["app"]>["customerFacets"];

function AmountInput(props: { id: string; label: string; value?: string; onChange: (v: string | undefined) => void }) {
  const [text, setText] = useState(props.value ?? "");
  const [invalid, setInvalid] = useState(false);
  useEffect(() => setText(props.value ?? ""), [props.value]);
  const commit = () => {
    const parsed = parseAmountInput(text);
    setInvalid(text.trim() !== "" && parsed === null);
    if (text.trim() === "" || parsed !== null) props.onChange(parsed ?? undefined);
  };
  return (
    <label class="amount-input">
      {props.label}
      <input
        id={props.id}
        inputMode="decimal"
        value={text}
        aria-invalid={invalid}
        onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === "Enter" && commit()}
      />
      {invalid && <span class="error-text small">Not an amount</span>}
    </label>
  );
}

export function FilterPanel(props: { view: CustomerView; facets: Facets | undefined; onChange: (v: CustomerView) => void }) {
  const { view, facets, onChange } = props;
  const count = (list: { value?: string | null; count: number }[] | undefined, value: string) =>
    list?.find((f) => f.value === value)?.count ?? 0;
  const statusOptions = STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s], count: facets ? count(facets.status, s) : undefined }));
  const withSelected = (values: string[], list: { value?: string | null; count: number }[] | undefined) => {
    const known = (list ?? []).filter((f) => f.value).map((f) => ({ value: f.value!, label: f.value!, count: f.count }));
    for (const v of values) if (!known.some((k) => k.value === v)) known.push({ value: v, label: v, count: 0 });
    return known;
  };
  return (
    <section class="filters" aria-label="Filters">
      <MultiSelect id="filter-status" label="Status" options={statusOptions} selected={view.status}
        onChange={(status) => onChange(withChange(view, { status: status as CustomerView["status"] }))} />
      <MultiSelect id="filter-plan" label="Plan" options={withSelected(view.plan, facets?.plan)} selected={view.plan}
        onChange={(plan) => onChange(withChange(view, { plan }))} />
      <MultiSelect id="filter-country" label="Country" options={withSelected(view.country, facets?.country)} selected={view.country}
        onChange={(country) => onChange(withChange(view, { country }))} />
      <details class="multiselect" id="filter-mrr">
        <summary>MRR{(view.mrrMin || view.mrrMax || view.lastPaidMrrMin) && <span class="count-pill">•</span>}</summary>
        <fieldset>
          <legend class="sr-only">MRR range</legend>
          <AmountInput id="mrr-min" label="MRR at least" value={view.mrrMin} onChange={(mrrMin) => onChange(withChange(view, { mrrMin }))} />
          <AmountInput id="mrr-max" label="MRR at most" value={view.mrrMax} onChange={(mrrMax) => onChange(withChange(view, { mrrMax }))} />
          <AmountInput id="last-paid-min" label="Paid before churn, at least" value={view.lastPaidMrrMin}
            onChange={(lastPaidMrrMin) => onChange(withChange(view, { lastPaidMrrMin }))} />
        </fieldset>
      </details>
      <details class="multiselect" id="filter-dates">
        <summary>Dates{(view.installed.preset || view.installed.from || view.installed.to || view.lastActive.preset || view.lastActive.from || view.lastActive.to) && <span class="count-pill">•</span>}</summary>
        <div class="date-panel">
          <DateRangeFilter id="installed" label="Installed" value={view.installed} onChange={(installed) => onChange(withChange(view, { installed }))} />
          <DateRangeFilter id="last-active" label="Last active" value={view.lastActive} onChange={(lastActive) => onChange(withChange(view, { lastActive }))} />
        </div>
      </details>
    </section>
  );
}
