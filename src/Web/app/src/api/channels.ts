// Channels of an assistant (owners only): its full settings with the site widget, and the Telegram bots.
// The shapes are the API's (src/Api/Assistants/AssistantsApi.cs, src/Api/Bots/BotsApi.cs).

import { api } from "./http";

export const aiProviders = ["openai", "yandexgpt", "gigachat", "anthropic", "custom"] as const;
export type AiProvider = (typeof aiProviders)[number];

export const widgetPositions = ["bottom-right", "bottom-left"] as const;
export type WidgetPosition = (typeof widgetPositions)[number];

/** The server's limits (AssistantRequestValidator). */
export const assistantLimits = {
  name: 200,
  systemPrompt: 20_000,
  model: 200,
  temperatureMin: 0,
  temperatureMax: 2,
  providers: 5,
  fallbackText: 2000,
  keywords: 50,
  keywordLength: 100,
  maxAiTurnsMin: 0,
  maxAiTurnsMax: 1000,
  origins: 50,
  greeting: 1000,
} as const;

export interface HandoffRules {
  keywords: string[];
  /** 0: no limit by turns. */
  maxAiTurns: number;
}

export interface WidgetSettings {
  allowedOrigins: string[];
  greeting: string | null;
  /** #rrggbb, or null for the widget's own blue. */
  color: string | null;
  position: WidgetPosition | null;
}

/** `GET /api/assistants/{id}`: every setting. */
export interface AssistantSettings {
  id: string;
  name: string;
  systemPrompt: string;
  model: string;
  /** Null: the model's default. */
  temperature: number | null;
  language: string;
  providers: string[];
  handoff: HandoffRules;
  widget: WidgetSettings;
  fallbackText: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `PATCH /api/assistants/{id}`: what is sent changes, what is left out (or null) stays. */
export interface AssistantPatch {
  name?: string;
  systemPrompt?: string;
  model?: string;
  temperature?: number;
  language?: string;
  providers?: string[];
  handoff?: Partial<HandoffRules>;
  widget?: Partial<Omit<WidgetSettings, "color" | "position">> & { color?: string; position?: WidgetPosition };
  fallbackText?: string;
}

const assistantPath = (id: string) => `/api/assistants/${encodeURIComponent(id)}`;

export function getAssistantSettings(id: string, signal?: AbortSignal): Promise<AssistantSettings> {
  return api<AssistantSettings>(assistantPath(id), signal ? { signal } : {});
}

export function updateAssistant(id: string, patch: AssistantPatch): Promise<AssistantSettings> {
  return api<AssistantSettings>(assistantPath(id), { method: "PATCH", body: patch });
}

/** 204. Only the assistant's settings go: its documents, dialogs and bots are not deleted with it. */
export function deleteAssistant(id: string): Promise<undefined> {
  return api<undefined>(assistantPath(id), { method: "DELETE" });
}

export const botStatuses = ["starting", "running", "stopped", "failed"] as const;
export type BotStatus = (typeof botStatuses)[number];

export const botModes = ["polling", "webhook"] as const;
export type BotMode = (typeof botModes)[number];

/** A Telegram bot with its counters. */
export interface Bot {
  id: string;
  assistantId: string;
  username: string;
  /** One of botStatuses (a newer server may add more). */
  status: string;
  lastError: string | null;
  updatesIn: number;
  repliesOut: number;
  rateLimited: number;
  queueLength: number;
}

/** `bot.status` on the account feed. */
export interface BotStatusEvent {
  botId: string;
  accountId: string;
  status: string;
  error: string | null;
}

/** The server's check of a token (BotTokenRule). */
export const botTokenPattern = /^\d{5,15}:[A-Za-z0-9_-]{20,80}$/;

const botPath = (id: string) => `/api/bots/${encodeURIComponent(id)}`;

export function listBots(signal?: AbortSignal): Promise<Bot[]> {
  return api<Bot[]>("/api/bots", signal ? { signal } : {});
}

/** 201 once Telegram's getMe accepted the token; 400 with `errors.token` when it refused it. */
export function connectBot(assistantId: string, token: string, mode: BotMode): Promise<Bot> {
  return api<Bot>("/api/bots", { method: "POST", body: { assistantId, token, mode } });
}

export function startBot(id: string): Promise<Bot> {
  return api<Bot>(`${botPath(id)}/start`, { method: "POST" });
}

export function stopBot(id: string): Promise<Bot> {
  return api<Bot>(`${botPath(id)}/stop`, { method: "POST" });
}

/** A new token for the same bot (checked with getMe like a new one). */
export function rotateBotToken(id: string, token: string): Promise<Bot> {
  return api<Bot>(botPath(id), { method: "PATCH", body: { token } });
}

export function disconnectBot(id: string): Promise<undefined> {
  return api<undefined>(botPath(id), { method: "DELETE" });
}
