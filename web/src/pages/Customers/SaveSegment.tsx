import { useState } from "preact/hooks";
import { graphql } from "../../__generated__";
import { ApiError, request } from "../../api/client";
import type { FilterInput } from "../../format/filters";
import { gidNumber } from "../../router";

const SaveSegmentMutation = graphql(`
  mutation SaveSegment($app: ID!, $name: String!, $filter: CustomerFilterInput!) {
    saveSegment(appId: $app, name: $name, filter: $filter) {
      key
      name
    }
  }
`);

/** "Save as segment": the current filters under a name (search and sort are not part of a segment). */
export function SaveSegment({ app, filter }: { app: string; filter: FilterInput }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    try {
      const r = await request(SaveSegmentMutation, { app, name, filter });
      setMessage({ ok: true, text: `Saved as segment “${r.saveSegment.name}”.` });
      setOpen(false);
      setName("");
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? `Not saved: ${e.message}` : String(e) });
    }
  }
  return (
    <span class="save-segment">
      {!open && (
        <button type="button" class="link-button" onClick={() => setOpen(true)}>
          Save as segment…
        </button>
      )}
      {open && (
        <form onSubmit={save} class="inline-form">
          <label>
            Segment name{" "}
            <input name="segment-name" value={name} required maxLength={80}
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="primary">Save</button>
          <button type="button" onClick={() => setOpen(false)}>Cancel</button>
        </form>
      )}
      {message && (
        <span role="status" class={message.ok ? "ok-text" : "error-text"}>
          {message.text}{" "}
          {message.ok && <a href={`/apps/${gidNumber(app)}/segments`}>See segments</a>}
        </span>
      )}
    </span>
  );
}
