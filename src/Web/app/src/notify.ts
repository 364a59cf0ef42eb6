// Notifications with a named close button (Mantine's has no accessible name of its own). One per id: a
// notification shown again with the same id is updated in place.

import { notifications, type NotificationData } from "@mantine/notifications";
import i18n from "./i18n";

export function notify(data: NotificationData): void {
  const named: NotificationData = { ...data, closeButtonProps: { "aria-label": i18n.t("app.close"), ...data.closeButtonProps } };
  if (named.id) notifications.update(named);
  notifications.show(named);
}
