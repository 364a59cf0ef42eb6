import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { useRef, useState } from "react";
import { useChannelsT } from "./i18n";
import { copyText, widgetSnippet } from "./snippet";

/** The tag to paste into a site, with a copy button; where copying fails, the text is selected for Ctrl+C. */
export function Snippet({ assistantId, unsaved }: { assistantId: string; unsaved: boolean }) {
  const { t } = useChannelsT();
  const code = widgetSnippet(assistantId);
  const pre = useRef<HTMLPreElement>(null);
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  const selectCode = () => {
    const node = pre.current;
    if (!node) return;
    node.focus();
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  };
  const copy = async () => {
    const done = await copyText(code);
    setState(done ? "copied" : "failed");
    if (!done) selectCode();
    else window.setTimeout(() => setState("idle"), 3_000);
  };

  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t("widgetLook.snippetText")}
      </Text>
      <pre ref={pre} className="rx-snippet" tabIndex={0} aria-label={t("widgetLook.snippetLabel")} data-testid="widget-snippet">
        {code}
      </pre>
      <Group gap="sm">
        <Button variant="light" onClick={() => void copy()} data-testid="copy-snippet">
          {t("widgetLook.copy")}
        </Button>
        <Text size="sm" role="status" c={state === "failed" ? "red" : "green"} data-testid="copy-state">
          {state === "copied" ? t("widgetLook.copied") : state === "failed" ? t("widgetLook.copyFailed") : ""}
        </Text>
      </Group>
      <Alert color="blue" variant="light" p="sm">
        <Text size="sm">{t("widgetLook.snippetOrigins")}</Text>
        {unsaved ? (
          <Text size="sm" fw={600} mt={4}>
            {t("widgetLook.snippetUnsaved")}
          </Text>
        ) : null}
      </Alert>
    </Stack>
  );
}
