// Alerts for a new handoff: a chime made with WebAudio (no sound file) and a desktop notification.
// Both are off until the operator turns them on with a click, which is also what browsers require
// before they let a page ask for notification permission or start audio.

import { useSyncExternalStore } from "react";

export interface AlertSettings {
  sound: boolean;
  desktop: boolean;
}

const storageKey = "replyx.alerts";
const listeners = new Set<() => void>();
let settings: AlertSettings = load();
let audio: AudioContext | null = null;

function load(): AlertSettings {
  try {
    const raw = localStorage.getItem(storageKey);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (parsed && typeof parsed === "object") {
      const value = parsed as Partial<AlertSettings>;
      return { sound: value.sound === true, desktop: value.desktop === true && desktopPermission() === "granted" };
    }
  } catch {
    // Unreadable or unavailable storage: the defaults.
  }
  return { sound: false, desktop: false };
}

function save(next: AlertSettings): void {
  settings = next;
  try {
    localStorage.setItem(storageKey, JSON.stringify(next));
  } catch {
    // Without storage the choice lasts for this page.
  }
  for (const listener of listeners) listener();
}

export function useAlertSettings(): AlertSettings {
  return useSyncExternalStore(
    (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    () => settings,
  );
}

export function desktopPermission(): NotificationPermission | "unsupported" {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

function audioContext(): AudioContext | null {
  if (audio) return audio;
  const Context = window.AudioContext as typeof AudioContext | undefined;
  if (!Context) return null;
  audio = new Context();
  return audio;
}

/** Two short rising tones. */
export function playChime(): void {
  const context = audioContext();
  if (!context) return;
  if (context.state === "suspended") void context.resume();
  const start = context.currentTime + 0.01;
  for (const [index, frequency] of [660, 880].entries()) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    const at = start + index * 0.16;
    oscillator.type = "sine";
    oscillator.frequency.setValueAtTime(frequency, at);
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.28);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.3);
  }
}

/** Call from a click: turns the chime on (and plays it once, so the browser unlocks audio) or off. */
export function setSound(on: boolean): void {
  if (on) playChime();
  save({ ...settings, sound: on });
}

/** Call from a click: asks for permission when needed. Resolves to the permission the browser gave. */
export async function setDesktop(on: boolean): Promise<NotificationPermission | "unsupported"> {
  if (!on) {
    save({ ...settings, desktop: false });
    return desktopPermission();
  }
  let permission = desktopPermission();
  if (permission === "default") permission = await Notification.requestPermission();
  save({ ...settings, desktop: permission === "granted" });
  return permission;
}

// Audio can only start after a gesture on this page: resume it on the first one after a reload.
window.addEventListener(
  "pointerdown",
  () => {
    if (settings.sound && audio?.state !== "running") void audioContext()?.resume();
  },
  { capture: true },
);

export interface HandoffAlert {
  title: string;
  body: string;
  tag: string;
  onClick: () => void;
}

/** When each tag last chimed: a second alert about the same dialog right after the first stays quiet. */
const chimed = new Map<string, number>();
const quietMs = 5_000;

/** Chime and (while the tab is not in front) a desktop notification, as the operator chose. */
export function alertHandoff(alert: HandoffAlert): void {
  const now = Date.now();
  for (const [tag, at] of chimed) if (now - at > quietMs) chimed.delete(tag);
  if (settings.sound && !chimed.has(alert.tag)) playChime();
  chimed.set(alert.tag, now);
  if (!settings.desktop || desktopPermission() !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  try {
    const notification = new Notification(alert.title, { body: alert.body, tag: alert.tag });
    notification.onclick = () => {
      window.focus();
      alert.onClick();
      notification.close();
    };
  } catch {
    // Some mobile browsers only show notifications from a service worker: the chime and the list still tell.
  }
}
