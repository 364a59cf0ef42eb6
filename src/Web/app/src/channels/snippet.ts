/** The tag a site pastes to show the widget: the script comes from this server, the assistant is named by its id. */
export function widgetSnippet(assistantId: string, origin: string = window.location.origin): string {
  return `<script src="${origin}/widget.js" data-assistant="${assistantId}" async></script>`;
}

/** Copies a text: the Clipboard API where the page may use it, else a selected off-screen textarea and execCommand. */
export async function copyText(text: string): Promise<boolean> {
  // Only secure pages (https, localhost) have the Clipboard API.
  if (window.isSecureContext && "clipboard" in navigator) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (permissions, no focus): the old way below.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "rx-offscreen";
  document.body.append(area);
  area.select();
  let done: boolean;
  try {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only way left where the Clipboard API is missing (plain http)
    done = document.execCommand("copy");
  } catch {
    done = false;
  }
  area.remove();
  return done;
}
