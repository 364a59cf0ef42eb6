// The channels pages' texts (the assistant editor with its widget, the Telegram bots, the transcript export): the
// i18next namespace "channels" (locales/channels.*.ts), read before the main one (see ../i18nNamespace.ts).

import { useNamespaceT, type MainKey, type NamespaceT, type Paths } from "../i18nNamespace";
import type { channelsEn } from "../locales/channels.en";

export type ChannelsKey = Paths<typeof channelsEn>;

export type ChannelsT = NamespaceT<ChannelsKey | MainKey>;

export const useChannelsT = () => useNamespaceT<ChannelsKey>("channels");
