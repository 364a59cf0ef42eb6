// Whether an owner takes dialogs from the desk's queue. Operators are online for offers while their feed is
// open; an owner only when the feed is opened with ?available=true, which this switch (kept in this browser)
// decides.

import { useSyncExternalStore } from "react";

const storageKey = "replyx.desk.available";
const listeners = new Set<() => void>();
let available = load();

function load(): boolean {
  try {
    return localStorage.getItem(storageKey) === "true";
  } catch {
    return false;
  }
}

export function setOwnerAvailable(on: boolean): void {
  available = on;
  try {
    localStorage.setItem(storageKey, String(on));
  } catch {
    // Without storage the choice lasts for this page.
  }
  for (const listener of listeners) listener();
}

export function useOwnerAvailable(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    () => available,
  );
}
