import { Group, Switch, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { OnlineOperator, User } from "../api/types";
import { setOwnerAvailable, useOwnerAvailable } from "./availability";
import { accountUsersOptions, deskOptions } from "./queries";

/** Who is online for the queue's offers and how many dialogs each has of their limit (from GET /api/desk). */
export function DeskPresence({ user }: { user: User }) {
  const { t } = useTranslation();
  const desk = useQuery(deskOptions);
  const owner = user.role === "owner";
  // Names are for owners only (GET /api/account/operators); operators see "Operator" for a colleague.
  const people = useQuery({ ...accountUsersOptions, enabled: owner });
  const available = useOwnerAvailable();
  // No desk on this server (or it cannot be read yet): nothing to show.
  if (!desk.data) return null;

  const names = new Map((people.data ?? []).map((p) => [p.id, p.name]));
  const name = (o: OnlineOperator) => (o.operatorId === user.id ? t("desk.online.you") : (names.get(o.operatorId) ?? t("desk.online.operator")));
  const online = [...desk.data.online].sort(
    (a, b) => Number(b.operatorId === user.id) - Number(a.operatorId === user.id) || Date.parse(a.onlineSince) - Date.parse(b.onlineSince),
  );

  return (
    <section className="rx-presence" aria-labelledby="desk-online-title" data-testid="desk-online">
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text component="h2" size="xs" fw={700} id="desk-online-title">
          {t("desk.online.count", { n: online.length })}
        </Text>
        {owner ? (
          <Switch
            size="xs"
            label={t("desk.online.available")}
            checked={available}
            onChange={(event) => setOwnerAvailable(event.currentTarget.checked)}
            data-testid="desk-available"
          />
        ) : null}
      </Group>
      {online.length === 0 ? (
        <Text size="xs" c="dimmed" mt={4}>
          {t("desk.online.nobody")}
        </Text>
      ) : (
        <ul className="rx-presence-list">
          {online.map((o) => {
            const full = o.dialogs >= o.limit;
            return (
              <li key={o.operatorId} data-testid="online-operator" data-operator-id={o.operatorId} data-full={full ? "true" : "false"}>
                <span className="rx-presence-dot" data-full={full ? "true" : "false"} aria-hidden="true" />
                <Text span size="xs" fw={600}>
                  {name(o)}
                </Text>
                <Text span size="xs" c="dimmed">
                  {t("desk.online.load", { dialogs: o.dialogs, limit: o.limit })}
                  {full ? ` · ${t("desk.online.full")}` : ""}
                </Text>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
