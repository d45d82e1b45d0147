// The API key lives in session storage only (never in a URL, gone when the tab closes).
const KEY = "crm.apiKey";

export function getKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
