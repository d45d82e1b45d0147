import { STATUS_LABELS, type Status } from "../format/filters";

export function StatusBadge({ status }: { status: string }) {
  const label = STATUS_LABELS[status as Status] ?? status;
  return <span class={`badge badge-${status.toLowerCase()}`}>{label}</span>;
}
