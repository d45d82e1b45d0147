// Every route of the console, in one place. Paths carry app and shop numbers (gid://partners/App/101 → 101).
import { useEffect } from "preact/hooks";
import { onUnauthenticated } from "./api/client";
import { getKey } from "./api/session";
import { Layout } from "./components/Layout";
import { AnalyticsPage } from "./pages/Analytics/AnalyticsPage";
import { AppsPage } from "./pages/Apps/AppsPage";
import { CustomerPage } from "./pages/Customer/CustomerPage";
import { CustomersPage } from "./pages/Customers/CustomersPage";
import { SegmentsPage } from "./pages/Segments/SegmentsPage";
import { SignInPage } from "./pages/SignIn/SignInPage";
import { handleLinkClick, navigate, useLocation } from "./router";

export function Routes() {
  const { path, params } = useLocation();
  useEffect(() => {
    document.addEventListener("click", handleLinkClick);
    const off = onUnauthenticated(() => {
      if (location.pathname === "/signin") return; // a wrong key typed into the form: the form says so
      navigate(`/signin?reason=expired&next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    });
    return () => {
      document.removeEventListener("click", handleLinkClick);
      off();
    };
  }, []);
  const signedIn = getKey() !== null;
  useEffect(() => {
    if (!signedIn && path !== "/signin") {
      navigate(`/signin${path !== "/" ? `?next=${encodeURIComponent(path + location.search)}` : ""}`, { replace: true });
    } else if (path === "/") navigate("/apps", { replace: true });
  }, [signedIn, path]);

  if (path === "/signin") {
    document.title = "Sign in · Merchant CRM";
    return <SignInPage params={params} />;
  }
  if (!signedIn || path === "/") return null;
  let m: RegExpExecArray | null;
  if (path === "/apps") {
    document.title = "Apps · Merchant CRM";
    return <AppsPage />;
  }
  if ((m = /^\/apps\/(\d+)\/customers\/?$/.exec(path))) return <CustomersPage appNumber={m[1]} params={params} />;
  if ((m = /^\/apps\/(\d+)\/customers\/(\d+)\/?$/.exec(path))) return <CustomerPage key={path} appNumber={m[1]} shopNumber={m[2]} params={params} />;
  if ((m = /^\/apps\/(\d+)\/segments\/?$/.exec(path))) return <SegmentsPage appNumber={m[1]} />;
  if ((m = /^\/apps\/(\d+)\/analytics\/?$/.exec(path))) return <AnalyticsPage appNumber={m[1]} params={params} />;
  document.title = "Not found · Merchant CRM";
  return (
    <Layout current="">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <a href="/apps">Go to your apps</a>.
      </p>
    </Layout>
  );
}
