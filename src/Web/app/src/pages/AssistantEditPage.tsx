import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  ColorInput,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type SubmitEvent } from "react";
import { useChannelsT } from "../channels/i18n";
import {
  aiProviders,
  assistantLimits as limits,
  deleteAssistant,
  getAssistantSettings,
  updateAssistant,
  widgetPositions,
  type AssistantSettings,
} from "../api/channels";
import { ApiError } from "../api/errors";
import "../channels/channels.css";
import { colorPattern, contrastColor, contrastRatio, widgetDefaultColor } from "../channels/colors";
import { draftFields, toDraft, toPatch, validate, type Draft, type Field } from "../channels/draft";
import { formatCount } from "../channels/numbers";
import { OriginsEditor } from "../channels/OriginsEditor";
import { Snippet } from "../channels/Snippet";
import { WidgetPreview } from "../channels/WidgetPreview";
import { ProblemAlert } from "../components/ProblemAlert";
import { Section } from "../components/Section";
import { formatDateTime } from "../format";
import { knowledgeKeys } from "../knowledge/queries";
import { notify } from "../notify";
import { Link, documentsPath, navigate } from "../router";

function assistantSettingsOptions(id: string) {
  return {
    queryKey: knowledgeKeys.assistant(id),
    queryFn: ({ signal }: { signal: AbortSignal }) => getAssistantSettings(id, signal),
  };
}

/** "12 / 200" under a text field. */
function Counter({ length, max }: { length: number; max: number }) {
  return (
    <Text component="span" size="xs" c={length > max ? "red" : "dimmed"} className="rx-no-shrink">
      {formatCount(length)} / {formatCount(max)}
    </Text>
  );
}

function DeleteAssistant({ assistant }: { assistant: AssistantSettings }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteAssistant(assistant.id),
    onSuccess: () => {
      client.removeQueries({ queryKey: knowledgeKeys.assistant(assistant.id) });
      void client.invalidateQueries({ queryKey: knowledgeKeys.assistants });
      notify({ color: "blue", title: t("assistantEdit.deleted"), message: assistant.name, autoClose: 4_000 });
      navigate("/assistants");
    },
  });
  return (
    <Section id="assistant-danger" title={t("assistantEdit.danger")} text={t("assistantEdit.dangerText")} testId="assistant-danger">
      <Group>
        <Button color="red" variant="light" onClick={() => setOpen(true)} data-testid="assistant-delete">
          {t("assistantEdit.delete")}
        </Button>
      </Group>
      <Modal
        opened={open}
        onClose={() => {
          setOpen(false);
          remove.reset();
        }}
        title={t("assistantEdit.deleteTitle", { name: assistant.name })}
        centered
        lockScroll={false}
        closeButtonProps={{ "aria-label": t("app.close") }}
      >
        <Stack>
          <Text size="sm">{t("assistantEdit.deleteText")}</Text>
          <Alert color="yellow" variant="light" p="sm">
            <Text size="sm">{t("assistantEdit.deleteKeeps")}</Text>
          </Alert>
          {remove.isError ? <ProblemAlert error={remove.error} heading={t("assistantEdit.deleteFailed")} testId="assistant-delete-error" /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              {t("app.cancel")}
            </Button>
            <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending} data-testid="assistant-delete-confirm">
              {t("assistantEdit.deleteConfirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Section>
  );
}

function Editor({ assistant }: { assistant: AssistantSettings }) {
  const { t } = useChannelsT();
  const client = useQueryClient();
  const saved = toDraft(assistant);
  const [edited, setEdited] = useState<Draft | null>(null);
  const [serverErrors, setServerErrors] = useState<Partial<Record<Field, string>>>({});
  const [triedSave, setTriedSave] = useState(false);
  const draft = edited ?? saved;
  const patch = toPatch(draft, saved);
  const dirty = Object.keys(patch).length > 0;
  const localErrors = validate(draft, t);
  const invalid = Object.keys(localErrors).length > 0;

  // Leaving the page (reload, another site) with unsaved changes asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const save = useMutation({
    mutationFn: () => updateAssistant(assistant.id, patch),
    onSuccess: (updated) => {
      client.setQueryData(knowledgeKeys.assistant(assistant.id), updated);
      void client.invalidateQueries({ queryKey: knowledgeKeys.assistants });
      setEdited(null);
      setServerErrors({});
      setTriedSave(false);
      notify({ color: "green", title: t("assistantEdit.savedTitle"), message: updated.name, autoClose: 3_000 });
    },
    onError: (error) => {
      if (!(error instanceof ApiError)) return;
      const found: Partial<Record<Field, string>> = {};
      for (const field of Object.values(draftFields)) {
        const messages = error.fieldErrors(field);
        if (messages.length > 0) found[field] = messages.join(" ");
      }
      setServerErrors(found);
    },
  });

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    // From the latest edit, not this render's: two changes in one tick (a tag typed, then blurred) both count.
    setEdited((previous) => ({ ...(previous ?? saved), [key]: value }));
    const field = draftFields[key];
    if (serverErrors[field]) {
      setServerErrors(Object.fromEntries(Object.entries(serverErrors).filter(([name]) => name !== field)));
    }
  };
  // A field's error: the server's for what it refused, else ours once the field changed or a save was tried.
  const error = (key: keyof Draft): string | null => {
    const field = draftFields[key];
    const changed = JSON.stringify(draft[key]) !== JSON.stringify(saved[key]);
    return serverErrors[field] ?? ((changed || triedSave) && localErrors[field] ? (localErrors[field] ?? null) : null);
  };

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTriedSave(true);
    if (invalid || !dirty || save.isPending) return;
    save.mutate();
  };

  const color = draft.color.trim();
  const accent = colorPattern.test(color) ? color : widgetDefaultColor;
  // The widget writes on its accent in near-black or white, whichever reads better: still too faint on some middle tones.
  const ratio = contrastRatio(accent, contrastColor(accent));
  const temperatureKept = assistant.temperature !== null && draft.temperature === "";
  const languageOptions = ["ru", "en", ...(["ru", "en"].includes(draft.language) ? [] : [draft.language])].map((value) => ({
    value,
    label: value === "ru" || value === "en" ? t(`assistantEdit.languages.${value}`) : value,
  }));

  return (
    <form onSubmit={submit} noValidate data-testid="assistant-form" data-dirty={dirty ? "true" : "false"}>
      <Stack gap="lg">
        <Section id="assistant-basics" title={t("assistantEdit.basics")} text={t("assistantEdit.basicsText")} testId="assistant-basics">
          <div className="rx-form-grid">
            <TextInput
              label={t("assistantEdit.name")}
              description={t("assistantEdit.nameHint", { max: limits.name })}
              value={draft.name}
              onChange={(e) => set("name", e.currentTarget.value)}
              error={error("name")}
              required
              maxLength={limits.name + 50}
              rightSection={<Counter length={draft.name.trim().length} max={limits.name} />}
              rightSectionWidth={76}
              data-testid="assistant-name"
            />
            <Select
              label={t("assistantEdit.language")}
              description={t("assistantEdit.languageHint")}
              data={languageOptions}
              value={draft.language}
              onChange={(value) => value && set("language", value)}
              allowDeselect={false}
              error={error("language")}
              data-testid="assistant-language"
            />
            <TextInput
              label={t("assistantEdit.model")}
              description={t("assistantEdit.modelHint", { max: limits.model })}
              value={draft.model}
              onChange={(e) => set("model", e.currentTarget.value)}
              error={error("model")}
              required
              spellCheck={false}
              data-testid="assistant-model"
            />
            <NumberInput
              label={t("assistantEdit.temperature")}
              description={
                temperatureKept
                  ? t("assistantEdit.temperatureKept")
                  : t("assistantEdit.temperatureHint", { min: limits.temperatureMin, max: limits.temperatureMax })
              }
              placeholder={t("assistantEdit.temperatureDefault")}
              value={draft.temperature}
              onChange={(value) => set("temperature", value)}
              min={limits.temperatureMin}
              max={limits.temperatureMax}
              step={0.1}
              decimalScale={2}
              error={error("temperature")}
              data-testid="assistant-temperature"
            />
          </div>
          <MultiSelect
            label={t("assistantEdit.providers")}
            description={t("assistantEdit.providersHint", { max: limits.providers })}
            placeholder={draft.providers.length ? undefined : t("assistantEdit.providersPlaceholder")}
            data={[...aiProviders]}
            value={draft.providers}
            onChange={(value) => set("providers", value)}
            maxValues={limits.providers}
            error={error("providers")}
            clearable
            clearButtonProps={{ "aria-label": t("assistantEdit.clear") }}
            data-testid="assistant-providers"
          />
        </Section>

        <Section id="assistant-instructions" title={t("assistantEdit.instructions")} text={t("assistantEdit.instructionsText")} testId="assistant-instructions">
          <Textarea
            label={t("assistantEdit.systemPrompt")}
            description={
              <>
                {t("assistantEdit.systemPromptHint", { max: formatCount(limits.systemPrompt) })} <Counter length={draft.systemPrompt.length} max={limits.systemPrompt} />
              </>
            }
            value={draft.systemPrompt}
            onChange={(e) => set("systemPrompt", e.currentTarget.value)}
            error={error("systemPrompt")}
            autosize
            minRows={5}
            maxRows={18}
            data-testid="assistant-prompt"
          />
          <Textarea
            label={t("assistantEdit.fallbackText")}
            description={
              <>
                {t("assistantEdit.fallbackTextHint", { max: formatCount(limits.fallbackText) })} <Counter length={draft.fallbackText.length} max={limits.fallbackText} />
              </>
            }
            value={draft.fallbackText}
            onChange={(e) => set("fallbackText", e.currentTarget.value)}
            error={error("fallbackText")}
            autosize
            minRows={2}
            maxRows={8}
            data-testid="assistant-fallback"
          />
        </Section>

        <Section id="assistant-handoff" title={t("assistantEdit.handoff")} text={t("assistantEdit.handoffText")} testId="assistant-handoff">
          <TagsInput
            label={t("assistantEdit.keywords")}
            description={`${t("assistantEdit.keywordsHint", { max: limits.keywords, length: limits.keywordLength })} ${t("assistantEdit.count", { count: draft.keywords.length, max: limits.keywords })}`}
            placeholder={t("assistantEdit.keywordsPlaceholder")}
            value={draft.keywords}
            onChange={(value) => set("keywords", value)}
            maxTags={limits.keywords}
            splitChars={[","]}
            acceptValueOnBlur
            clearable
            clearButtonProps={{ "aria-label": t("assistantEdit.clear") }}
            error={error("keywords")}
            data-testid="assistant-keywords"
          />
          <NumberInput
            label={t("assistantEdit.maxAiTurns")}
            description={t("assistantEdit.maxAiTurnsHint", { min: limits.maxAiTurnsMin, max: limits.maxAiTurnsMax })}
            value={draft.maxAiTurns}
            onChange={(value) => set("maxAiTurns", value)}
            min={limits.maxAiTurnsMin}
            max={limits.maxAiTurnsMax}
            allowDecimal={false}
            allowNegative={false}
            maw={260}
            error={error("maxAiTurns")}
            data-testid="assistant-max-turns"
          />
        </Section>

        <Section id="widget-look" title={t("widgetLook.title")} text={t("widgetLook.text")} testId="widget-look">
          <div className="rx-editor-grid">
            <Stack gap="md">
              <Textarea
                label={t("widgetLook.greeting")}
                description={
                  <>
                    {t("widgetLook.greetingHint", { max: limits.greeting })} <Counter length={draft.greeting.length} max={limits.greeting} />
                  </>
                }
                value={draft.greeting}
                onChange={(e) => set("greeting", e.currentTarget.value)}
                error={error("greeting")}
                autosize
                minRows={2}
                maxRows={6}
                data-testid="widget-greeting"
              />
              <ColorInput
                label={t("widgetLook.color")}
                description={t("widgetLook.colorHint")}
                placeholder={`${widgetDefaultColor} · ${t("widgetLook.colorDefault")}`}
                format="hex"
                value={draft.color}
                onChange={(value) => set("color", value)}
                withEyeDropper={false}
                swatches={["#2563eb", "#1971c2", "#0b7285", "#237a36", "#c2410c", "#c92a2a", "#5f3dc4", "#212529"]}
                swatchesPerRow={8}
                error={error("color") ?? (ratio < 4.5 ? t("widgetLook.colorLowContrast", { ratio: ratio.toFixed(2) }) : null)}
                data-testid="widget-color"
              />
              {draft.color.trim() && draft.color.trim().toLowerCase() !== widgetDefaultColor ? (
                <Group mt={-8}>
                  <Button size="compact-sm" variant="subtle" onClick={() => set("color", widgetDefaultColor)} data-testid="widget-color-reset">
                    {t("widgetLook.colorReset")}
                  </Button>
                </Group>
              ) : null}
              <div>
                <Text size="sm" fw={500} id="widget-position-label">
                  {t("widgetLook.position")}
                </Text>
                <SegmentedControl
                  mt={4}
                  value={draft.position}
                  onChange={(value) => set("position", value)}
                  data={widgetPositions.map((p) => ({ value: p, label: t(`widgetLook.positions.${p}`) }))}
                  aria-labelledby="widget-position-label"
                  data-testid="widget-position"
                />
                {error("position") ? (
                  <Text size="xs" c="red" mt={4}>
                    {error("position")}
                  </Text>
                ) : null}
              </div>
            </Stack>
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {t("widgetLook.preview")}
              </Text>
              <WidgetPreview title={draft.name} greeting={draft.greeting} color={draft.color} position={draft.position} language={draft.language} />
            </Stack>
          </div>
          <OriginsEditor value={draft.origins} onChange={(value) => set("origins", value)} serverError={error("origins")} />
        </Section>

        <Section id="widget-snippet-heading" title={t("widgetLook.snippet")} testId="widget-install">
          <Snippet assistantId={assistant.id} unsaved={dirty} />
        </Section>

        {save.isError ? (
          <ProblemAlert error={save.error} heading={t("assistantEdit.saveFailed")} testId="assistant-save-error" onClose={() => save.reset()} />
        ) : null}

        <Group className="rx-sticky-save" justify="space-between" gap="sm" wrap="wrap">
          <Text size="sm" role="status" c={dirty ? "orange" : "dimmed"} fw={dirty ? 600 : 400} data-testid="assistant-dirty" data-dirty={dirty ? "true" : "false"}>
            {save.isPending ? t("assistantEdit.saving") : triedSave && invalid ? t("assistantEdit.fixErrors") : dirty ? t("assistantEdit.unsaved") : t("assistantEdit.saved")}
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Button
              variant="default"
              size="sm"
              disabled={!dirty || save.isPending}
              onClick={() => {
                setEdited(null);
                setServerErrors({});
                setTriedSave(false);
                save.reset();
              }}
              data-testid="assistant-reset"
            >
              {t("assistantEdit.reset")}
            </Button>
            <Button type="submit" size="sm" loading={save.isPending} disabled={!dirty} data-testid="assistant-save">
              {t("assistantEdit.save")}
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}

/** One assistant's settings: the model and its instructions, handoff rules, the site widget and its code. */
export function AssistantEditPage({ assistantId }: { assistantId: string }) {
  const { t } = useChannelsT();
  const assistant = useQuery(assistantSettingsOptions(assistantId));
  const notFound = assistant.error instanceof ApiError && assistant.error.status === 404;
  const name = assistant.data?.name ?? "";

  return (
    <Stack gap="lg" className="rx-page rx-page-wide" data-testid="assistant-editor" data-assistant-id={assistantId}>
      <Stack gap={4}>
        <nav aria-label={t("assistantEdit.breadcrumbs")}>
          <Breadcrumbs separator="/" separatorMargin={6}>
            <Anchor component={Link} href="/assistants" size="sm">
              {t("assistants.title")}
            </Anchor>
            <Text size="sm" aria-current="page" className="rx-break">
              {name || t("assistantEdit.edit")}
            </Text>
          </Breadcrumbs>
        </nav>
        <Group justify="space-between" align="flex-end" gap="xs" wrap="wrap">
          <div className="rx-min0">
            <Title order={1} size="h2">
              {t("assistantEdit.title")}
            </Title>
            {assistant.data ? (
              <Group gap={6} wrap="wrap">
                <Text c="dimmed" className="rx-break" data-testid="assistant-editor-name">
                  {name}
                </Text>
                <Badge variant="light" color="gray" size="sm">
                  {t("assistantEdit.updated")} {formatDateTime(assistant.data.updatedAt)}
                </Badge>
              </Group>
            ) : null}
          </div>
          {assistant.data ? (
            <Group gap="xs">
              <Button component={Link} href={documentsPath(assistantId)} variant="light" size="sm" data-testid="assistant-knowledge-link">
                {t("assistantEdit.knowledgeBase")}
              </Button>
              <Button component={Link} href={`${documentsPath(assistantId)}#chat-heading`} variant="subtle" size="sm" data-testid="assistant-test-chat-link">
                {t("assistantEdit.testChat")}
              </Button>
            </Group>
          ) : null}
        </Group>
      </Stack>
      {assistant.isPending ? (
        <Stack gap="md" role="status" aria-busy="true" aria-label={t("app.loading")} data-testid="assistant-editor-loading">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} height={160} radius="md" />
          ))}
        </Stack>
      ) : !assistant.data ? (
        <ProblemAlert error={assistant.error} heading={notFound ? t("assistantEdit.notFound") : t("assistantEdit.loadFailed")} testId="assistant-editor-error">
          <Group mt={4}>
            {notFound ? (
              <Button component={Link} href="/assistants" size="xs" variant="light" color="red">
                {t("assistantEdit.backToAssistants")}
              </Button>
            ) : (
              <Button size="xs" variant="light" color="red" onClick={() => void assistant.refetch()}>
                {t("app.retry")}
              </Button>
            )}
          </Group>
        </ProblemAlert>
      ) : (
        <>
          <Editor key={assistant.data.id} assistant={assistant.data} />
          <DeleteAssistant assistant={assistant.data} />
        </>
      )}
    </Stack>
  );
}
