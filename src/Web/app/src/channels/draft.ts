// The assistant editor's form: the server's settings as editable values, what of them changed (the PATCH
// body, only the changed fields) and the checks the server makes, so that most errors show before a save.

import type { ChannelsT } from "./i18n";
import { assistantLimits as limits, type AssistantPatch, type AssistantSettings, type WidgetPosition } from "../api/channels";
import { colorPattern, widgetDefaultColor } from "./colors";
import { originProblem } from "./origins";

export interface Draft {
  name: string;
  systemPrompt: string;
  model: string;
  /** "": the model's default. */
  temperature: number | string;
  language: string;
  providers: string[];
  keywords: string[];
  maxAiTurns: number | string;
  fallbackText: string;
  greeting: string;
  /** "": the widget's default colour. */
  color: string;
  position: WidgetPosition;
  origins: string[];
}

/** Field names as the server spells them in `errors`. */
export type Field =
  | "name"
  | "systemPrompt"
  | "model"
  | "temperature"
  | "language"
  | "providers"
  | "fallbackText"
  | "handoff.keywords"
  | "handoff.maxAiTurns"
  | "widget.greeting"
  | "widget.color"
  | "widget.position"
  | "widget.allowedOrigins";

export const draftFields: Record<keyof Draft, Field> = {
  name: "name",
  systemPrompt: "systemPrompt",
  model: "model",
  temperature: "temperature",
  language: "language",
  providers: "providers",
  keywords: "handoff.keywords",
  maxAiTurns: "handoff.maxAiTurns",
  fallbackText: "fallbackText",
  greeting: "widget.greeting",
  color: "widget.color",
  position: "widget.position",
  origins: "widget.allowedOrigins",
};

export function toDraft(s: AssistantSettings): Draft {
  return {
    name: s.name,
    systemPrompt: s.systemPrompt,
    model: s.model,
    temperature: s.temperature ?? "",
    language: s.language,
    providers: [...s.providers],
    keywords: [...s.handoff.keywords],
    maxAiTurns: s.handoff.maxAiTurns,
    fallbackText: s.fallbackText ?? "",
    greeting: s.widget.greeting ?? "",
    color: s.widget.color ?? "",
    position: s.widget.position === "bottom-left" ? "bottom-left" : "bottom-right",
    origins: [...s.widget.allowedOrigins],
  };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The PATCH body: only what differs from the saved settings (the server keeps whatever is left out). */
export function toPatch(draft: Draft, saved: Draft): AssistantPatch {
  const patch: AssistantPatch = {};
  if (draft.name.trim() !== saved.name) patch.name = draft.name.trim();
  if (draft.systemPrompt !== saved.systemPrompt) patch.systemPrompt = draft.systemPrompt;
  if (draft.model.trim() !== saved.model) patch.model = draft.model.trim();
  // An empty temperature cannot be sent (null keeps the current one): only a number is a change.
  if (typeof draft.temperature === "number" && draft.temperature !== saved.temperature) patch.temperature = draft.temperature;
  if (draft.language !== saved.language) patch.language = draft.language;
  if (!same(draft.providers, saved.providers)) patch.providers = draft.providers;
  if (draft.fallbackText !== saved.fallbackText) patch.fallbackText = draft.fallbackText;
  const keywords = draft.keywords.map((k) => k.trim());
  if (!same(keywords, saved.keywords) || draft.maxAiTurns !== saved.maxAiTurns) {
    patch.handoff = {};
    if (!same(keywords, saved.keywords)) patch.handoff.keywords = keywords;
    if (typeof draft.maxAiTurns === "number" && draft.maxAiTurns !== saved.maxAiTurns) patch.handoff.maxAiTurns = draft.maxAiTurns;
  }
  const widget: NonNullable<AssistantPatch["widget"]> = {};
  if (draft.greeting !== saved.greeting) widget.greeting = draft.greeting;
  // Cleared: the default colour itself (null would keep the current one).
  const color = draft.color.trim() === "" ? (saved.color === "" ? "" : widgetDefaultColor) : draft.color.trim();
  if (color !== saved.color) widget.color = color;
  if (draft.position !== saved.position) widget.position = draft.position;
  if (!same(draft.origins, saved.origins)) widget.allowedOrigins = draft.origins;
  if (Object.keys(widget).length > 0) patch.widget = widget;
  return patch;
}

/** The server's rules, checked here first: each field's first problem. */
export function validate(draft: Draft, t: ChannelsT): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  const tooLong = (max: number) => t("assistantEdit.errors.tooLong", { max });
  const name = draft.name.trim();
  if (!name) errors.name = t("assistantEdit.errors.required");
  else if (name.length > limits.name) errors.name = tooLong(limits.name);
  else if (/[\r\n]/.test(name)) errors.name = t("assistantEdit.errors.singleLine");
  if (draft.systemPrompt.length > limits.systemPrompt) errors.systemPrompt = tooLong(limits.systemPrompt);
  const model = draft.model.trim();
  if (!model) errors.model = t("assistantEdit.errors.required");
  else if (model.length > limits.model) errors.model = tooLong(limits.model);
  else if (/[\r\n]/.test(model)) errors.model = t("assistantEdit.errors.singleLine");
  if (typeof draft.temperature === "number" && (draft.temperature < limits.temperatureMin || draft.temperature > limits.temperatureMax)) {
    errors.temperature = t("assistantEdit.errors.range", { min: limits.temperatureMin, max: limits.temperatureMax });
  }
  if (draft.providers.length > limits.providers) errors.providers = t("assistantEdit.errors.tooMany", { max: limits.providers });
  if (draft.fallbackText.length > limits.fallbackText) errors.fallbackText = tooLong(limits.fallbackText);
  if (draft.keywords.length > limits.keywords) errors["handoff.keywords"] = t("assistantEdit.errors.tooMany", { max: limits.keywords });
  else if (draft.keywords.some((k) => !k.trim() || k.length > limits.keywordLength)) {
    errors["handoff.keywords"] = t("assistantEdit.errors.keyword", { max: limits.keywordLength });
  }
  if (typeof draft.maxAiTurns !== "number") errors["handoff.maxAiTurns"] = t("assistantEdit.errors.required");
  else if (!Number.isInteger(draft.maxAiTurns)) errors["handoff.maxAiTurns"] = t("assistantEdit.errors.wholeNumber");
  else if (draft.maxAiTurns < limits.maxAiTurnsMin || draft.maxAiTurns > limits.maxAiTurnsMax) {
    errors["handoff.maxAiTurns"] = t("assistantEdit.errors.range", { min: limits.maxAiTurnsMin, max: limits.maxAiTurnsMax });
  }
  if (draft.greeting.length > limits.greeting) errors["widget.greeting"] = tooLong(limits.greeting);
  if (draft.color.trim() && !colorPattern.test(draft.color.trim())) errors["widget.color"] = t("widgetLook.colorHint");
  if (draft.origins.length > limits.origins) errors["widget.allowedOrigins"] = t("widgetLook.originErrors.full", { max: limits.origins });
  else {
    const bad = draft.origins.map((o) => originProblem(o)).find((p) => p !== null);
    if (bad) errors["widget.allowedOrigins"] = t(`widgetLook.originErrors.${bad}`);
  }
  return errors;
}
