import { useTranslation } from "react-i18next";
import { billingServices, ledgerKinds, type BillingService, type LedgerKind } from "../api/billing";

export function isService(value: string | null | undefined): value is BillingService {
  return (billingServices as readonly string[]).includes(value ?? "");
}

export function isKind(value: string | null | undefined): value is LedgerKind {
  return (ledgerKinds as readonly string[]).includes(value ?? "");
}

/** The names of services, ledger kinds and price units in the user's language (unknown ones as sent). */
export function useBillingLabels() {
  const { t } = useTranslation();
  return {
    service: (service: string | null | undefined) => (isService(service) ? t(`billing.services.${service}`) : (service ?? "")),
    kind: (kind: string) => (isKind(kind) ? t(`billing.kinds.${kind}`) : kind),
    unit: (unit: string) =>
      unit === "1k tokens" ? t("billing.units.tokens") : unit === "reply" || unit === "document" || unit === "message" ? t(`billing.units.${unit}`) : unit,
  };
}
