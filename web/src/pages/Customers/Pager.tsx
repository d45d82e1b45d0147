import { PAGE_SIZES } from "../../format/filters";

export function Pager(props: {
  page: number;
  size: number;
  total: number | undefined;
  shown: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  onSize: (size: number) => void;
}) {
  const { page, size, total, shown, hasPrevious, hasNext } = props;
  const first = shown ? (page - 1) * size + 1 : 0;
  const last = (page - 1) * size + shown;
  return (
    <nav class="pager" aria-label="Pages">
      <span class="pager-range" aria-live="polite" data-testid="page-range">
        {shown ? `${first}–${last}` : "0"} of {total ?? "…"}
      </span>
      <button type="button" onClick={props.onPrevious} disabled={!hasPrevious}>
        ← Previous
      </button>
      <button type="button" onClick={props.onNext} disabled={!hasNext}>
        Next →
      </button>
      <label>
        Page size{" "}
        <select value={String(size)} onChange={(e) => props.onSize(Number((e.currentTarget as HTMLSelectElement).value))}>
          {PAGE_SIZES.map((s) => (
            <option key={s} value={String(s)}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
