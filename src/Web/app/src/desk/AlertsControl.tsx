import { ActionIcon, Popover, Stack, Switch, Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { desktopPermission, setDesktop, setSound, useAlertSettings } from "./alerts";

function BellIcon({ on }: { on: boolean }) {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.7 21a2 2 0 0 1-3.4 0" />
      {on ? null : <path d="M3 3l18 18" />}
    </svg>
  );
}

export function AlertsControl() {
  const { t } = useTranslation();
  const settings = useAlertSettings();
  const [permission, setPermission] = useState(desktopPermission);
  const on = settings.sound || settings.desktop;
  return (
    <Popover position="bottom-end" withArrow trapFocus shadow="md">
      <Popover.Target>
        <ActionIcon
          variant={on ? "light" : "subtle"}
          size="lg"
          aria-label={t("alerts.button")}
          title={t("alerts.button")}
          data-testid="alerts-button"
        >
          <BellIcon on={on} />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="sm" maw={280}>
          <Text size="sm" fw={600}>
            {t("alerts.heading")}
          </Text>
          <Switch
            label={t("alerts.sound")}
            checked={settings.sound}
            onChange={(event) => setSound(event.currentTarget.checked)}
            data-testid="alerts-sound"
          />
          <Switch
            label={t("alerts.desktop")}
            checked={settings.desktop}
            disabled={permission === "unsupported" || permission === "denied"}
            onChange={(event) => {
              void setDesktop(event.currentTarget.checked).then(setPermission);
            }}
            data-testid="alerts-desktop"
          />
          {permission === "denied" ? (
            <Text size="xs" c="dimmed">
              {t("alerts.denied")}
            </Text>
          ) : null}
          {permission === "unsupported" ? (
            <Text size="xs" c="dimmed">
              {t("alerts.unsupported")}
            </Text>
          ) : null}
          <Text size="xs" c="dimmed">
            {t("alerts.hint")}
          </Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
