import type { ComponentChildren } from "preact";
import { clearKey } from "../api/session";
import { gidNumber, navigate } from "../router";

export function Layout(props: { appId?: string; appName?: string; current: string; children: ComponentChildren }) {
  const { appId, appName, current } = props;
  const n = appId ? gidNumber(appId) : null;
  const link = (href: string, label: string, key: string) => (
    <a href={href} aria-current={current === key ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/apps">
          Merchant CRM
        </a>
        <nav aria-label="Main">
          {link("/apps", "Apps", "apps")}
          {n && (
            <>
              <span class="app-name" title="Current app">{appName ?? ""}</span>
              {link(`/apps/${n}/customers`, "Customers", "customers")}
              {link(`/apps/${n}/segments`, "Segments", "segments")}
              {link(`/apps/${n}/analytics`, "Analytics", "analytics")}
            </>
          )}
        </nav>
        <button
          type="button"
          class="link-button"
          onClick={() => {
            clearKey();
            navigate("/signin");
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
