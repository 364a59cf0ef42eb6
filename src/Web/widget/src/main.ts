// ReplyX site widget. Put on a page as
//   <script src="https://REPLYX-HOST/widget.js" data-assistant="ASSISTANT_ID" async></script>
// It talks to the server it was loaded from and renders into its own shadow root.

import { HttpError, WidgetApi } from "./api";
import { pickTexts } from "./i18n";
import { ChatWidget } from "./widget";

declare global {
  interface Window {
    __replyxWidgets?: Set<string>;
  }
}

function warn(message: string): void {
  console.warn(`ReplyX widget: ${message}`);
}

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.assistant) return current;
  // Loaded some other way (injected, or as a module): the first tag that names an assistant and this file.
  return document.querySelector<HTMLScriptElement>('script[data-assistant][src*="widget.js"]');
}

function whenBodyReady(run: () => void): void {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run, { once: true });
  else run();
}

async function boot(script: HTMLScriptElement): Promise<void> {
  const assistantId = script.dataset.assistant?.trim();
  if (!assistantId) {
    warn("the script tag has no data-assistant attribute.");
    return;
  }
  const registry = (window.__replyxWidgets ??= new Set<string>());
  if (registry.has(assistantId)) return; // The same widget included twice.
  registry.add(assistantId);

  const api = new WidgetApi(new URL(script.src, document.baseURI).origin, assistantId);
  let config;
  try {
    config = await api.config();
  } catch (error) {
    // Unknown assistant, or a site that may not use it (403/404): show nothing.
    warn(
      error instanceof HttpError
        ? `not shown (${error.message})`
        : `not shown: no answer from ${api.base} (it is unreachable, or this site is not among the assistant's allowed origins).`,
    );
    return;
  }
  const texts = pickTexts(document.documentElement.lang, config.language);
  whenBodyReady(() => new ChatWidget(api, config, texts).mount());
}

const script = findScript();
if (script) void boot(script);
else warn("could not find its script tag (data-assistant).");
