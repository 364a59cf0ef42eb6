import { Alert, Button, Group, Loader, Modal, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { dialogAction, type DialogAction } from "../api/dialogs";
import { ApiError, errorText } from "../api/errors";
import type { DialogSummary } from "../api/types";
import { useUser } from "../auth/AuthContext";
import { ExportMenu } from "./ExportMenu";
import { ChannelBadge, StatusBadge } from "./labels";
import { deskOptions, dialogDetailOptions, dialogKeys, dialogNotes, detailDialog, offeredTo, storeDialog, transcript } from "./queries";
import { ReplyBox } from "./ReplyBox";
import { Transcript } from "./Transcript";
import { useDialogStream, type DialogStream } from "./useDialogStream";
import { VisitorInfo } from "./VisitorInfo";
import { notify } from "../notify";

function BackButton({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation();
  return (
    <Button variant="subtle" size="compact-sm" onClick={onBack} className="rx-phone-only rx-no-shrink" data-testid="back-to-list">
      ← {t("dialog.back")}
    </Button>
  );
}

function LiveState({ stream }: { stream: DialogStream }) {
  const { t } = useTranslation();
  if (stream.state === "open") return null;
  return (
    <Text size="xs" c={stream.state === "failed" ? "red" : "dimmed"} role="status" data-testid="dialog-stream-state">
      {stream.state === "failed" && stream.error ? `${t("dialog.liveFailed")}: ${stream.error.title}` : t(`desk.feed.${stream.state}`)}
    </Text>
  );
}

function Actions({ dialog, me }: { dialog: DialogSummary; me: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [confirmClose, setConfirmClose] = useState(false);
  const action = useMutation({
    mutationFn: (which: DialogAction) => dialogAction(dialog.id, which),
    onSuccess: (summary) => {
      storeDialog(client, summary);
      void client.invalidateQueries({ queryKey: dialogKeys.lists() });
    },
    onError: (error) => {
      notify({ color: "red", title: t("dialog.actionFailed"), message: errorText(error) });
    },
    onSettled: () => setConfirmClose(false),
  });
  const mine = dialog.status === "operator" && dialog.operatorId === me;
  const running = action.isPending ? action.variables : null;
  return (
    <Group gap="xs" wrap="wrap">
      {dialog.status !== "closed" && !mine ? (
        <Button size="xs" onClick={() => action.mutate("takeover")} loading={running === "takeover"} disabled={action.isPending} data-testid="takeover">
          {t("dialog.takeover")}
        </Button>
      ) : null}
      {mine ? (
        <Button size="xs" variant="light" onClick={() => action.mutate("release")} loading={running === "release"} disabled={action.isPending} data-testid="release">
          {t("dialog.release")}
        </Button>
      ) : null}
      {dialog.status !== "closed" ? (
        <Button size="xs" variant="default" onClick={() => setConfirmClose(true)} disabled={action.isPending} data-testid="close-dialog">
          {t("dialog.close")}
        </Button>
      ) : null}
      {/* No scroll lock: it works by injecting a <style> tag, which the CSP refuses (the desk does not scroll anyway). */}
      <Modal
        opened={confirmClose}
        onClose={() => setConfirmClose(false)}
        title={t("dialog.closeTitle")}
        centered
        lockScroll={false}
        closeButtonProps={{ "aria-label": t("app.close") }}
      >
        <Stack>
          <Text size="sm">{t("dialog.closeText")}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmClose(false)}>
              {t("app.cancel")}
            </Button>
            <Button color="red" onClick={() => action.mutate("close")} loading={running === "close"} data-testid="close-confirm">
              {t("dialog.close")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}

/** The reply box for the operator who has the dialog; private notes (where the server has them) for any. */
function ReplyArea({ dialog, me, notes }: { dialog: DialogSummary; me: string; notes: boolean }) {
  const { t } = useTranslation();
  const canReply = dialog.status === "operator" && dialog.operatorId === me;
  const [choice, setChoice] = useState<"reply" | "note">("reply");
  const desk = useQuery(deskOptions);
  const offered = dialog.status === "waiting" && offeredTo(desk.data, me).has(dialog.id);
  const kind = !canReply ? "note" : notes ? choice : "reply";
  const hint =
    dialog.status === "closed"
      ? t("dialog.hintClosed")
      : dialog.status === "operator"
        ? t("dialog.hintOtherOperator")
        : dialog.status === "waiting"
          ? t(offered ? "dialog.hintOffered" : "dialog.hintWaiting")
          : t("dialog.hintAi");
  if (!canReply && !notes) {
    return (
      <div className="rx-reply rx-reply-hint" data-testid="reply-hint">
        <Text size="sm" c="dimmed">
          {hint}
        </Text>
      </div>
    );
  }
  return (
    <div className="rx-reply">
      {canReply ? null : (
        <Text size="sm" c="dimmed" mb={4} data-testid="reply-hint">
          {hint}
        </Text>
      )}
      {canReply && notes ? (
        <SegmentedControl
          size="xs"
          mb={6}
          value={choice}
          onChange={setChoice}
          data={[
            { value: "reply", label: t("dialog.modeReply") },
            { value: "note", label: t("dialog.modeNote") },
          ]}
          aria-label={t("dialog.modeLabel")}
          data-testid="compose-mode"
        />
      ) : null}
      <ReplyBox key={kind} dialogId={dialog.id} me={me} kind={kind} />
    </div>
  );
}

export function DialogPane({ dialogId, onBack }: { dialogId: string; onBack: () => void }) {
  const { t } = useTranslation();
  const user = useUser();
  const detail = useInfiniteQuery(dialogDetailOptions(dialogId));
  const stream = useDialogStream(dialogId);
  const [showInfo, setShowInfo] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // A newly opened dialog takes the focus to its heading, so keyboard and screen-reader users land in it.
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, [dialogId]);

  const dialog = detailDialog(detail.data);
  const messages = transcript(detail.data);
  const notes = dialogNotes(detail.data);

  if (detail.isPending) {
    return (
      <div className="rx-dialog">
        <div className="rx-dialog-header">
          <BackButton onBack={onBack} />
        </div>
        <Stack align="center" justify="center" className="rx-grow" role="status" data-testid="dialog-loading">
          <Loader />
          <Text size="sm" c="dimmed">
            {t("app.loading")}
          </Text>
        </Stack>
      </div>
    );
  }
  if (!dialog) {
    const notFound = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <div className="rx-dialog">
        <div className="rx-dialog-header">
          <BackButton onBack={onBack} />
        </div>
        <Alert color="red" m="md" title={notFound ? t("dialog.notFound") : t("dialog.loadFailed")} data-testid="dialog-error">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{errorText(detail.error)}</Text>
            {notFound ? null : (
              <Button size="xs" variant="light" onClick={() => void detail.refetch()}>
                {t("app.retry")}
              </Button>
            )}
          </Stack>
        </Alert>
      </div>
    );
  }

  return (
    <div className="rx-dialog" data-testid="dialog-pane" data-dialog-id={dialog.id}>
      <div className="rx-dialog-header">
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Group gap="xs" wrap="nowrap" className="rx-min0">
            <BackButton onBack={onBack} />
            <Title order={2} size="h5" ref={heading} tabIndex={-1} className="rx-ellipsis">
              {t(`channel.${dialog.channel}`)} · {dialog.origin ?? t("dialog.title")}
            </Title>
            <span className="rx-no-shrink">
              <StatusBadge status={dialog.status} />
            </span>
            <span className="rx-hide-phone">
              <ChannelBadge channel={dialog.channel} />
            </span>
          </Group>
          <Group gap="xs">
            <LiveState stream={stream} />
            <Button
              size="xs"
              variant="subtle"
              className="rx-info-toggle"
              onClick={() => setShowInfo((v) => !v)}
              aria-expanded={showInfo}
              aria-controls="rx-visitor-info"
              data-testid="toggle-info"
            >
              {t("info.title")}
            </Button>
            <ExportMenu dialogId={dialog.id} user={user} />
            <Actions dialog={dialog} me={user.id} />
          </Group>
        </Group>
      </div>
      <div className="rx-dialog-body">
        <div className="rx-dialog-main">
          <Transcript
            messages={messages}
            notes={notes ?? []}
            me={user.id}
            partial={stream.partial}
            hasOlder={detail.hasNextPage}
            loadingOlder={detail.isFetchingNextPage}
            onLoadOlder={() => void detail.fetchNextPage()}
          />
          {detail.isFetchNextPageError ? (
            <Text size="xs" c="red" ta="center" role="alert">
              {errorText(detail.error)}
            </Text>
          ) : null}
          <ReplyArea dialog={dialog} me={user.id} notes={notes !== null} />
        </div>
        <aside id="rx-visitor-info" className="rx-info" tabIndex={0} data-open={showInfo ? "true" : "false"} aria-label={t("info.title")}>
          <VisitorInfo dialog={dialog} me={user.id} />
        </aside>
      </div>
    </div>
  );
}
